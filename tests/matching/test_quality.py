"""Quality: named parts and reasons in words."""

from __future__ import annotations

from matching.service import solve
from tests.matching.factories import adviser, school, snapshot


def only(result):
    [p] = result.proposals
    return p


def test_given_a_school_weak_on_benchmark_6_then_an_engineering_employer_beats_a_finance_one():
    weak6 = school("1", benchmarks=(90, 90, 90, 90, 80, 40, 90, 90))
    s = snapshot(
        [weak6], [adviser("ENG", 10.0, sector="engineering", skills=()), adviser("FIN", 10.0, sector="finance", skills=())]
    )
    p = only(solve(s))
    assert p.adviser_ref == "ENG"
    assert "engineering employer for a school at 40 % on benchmark 6" in p.reasons


def test_given_a_work_experience_skill_then_the_reason_names_the_skill():
    weak6 = school("1", benchmarks=(90, 90, 90, 90, 80, 35, 90, 90))
    p = only(solve(snapshot([weak6], [adviser("A", sector=None, skills=("Work experience",))])))
    assert "'Work experience' skill for a school at 35 % on benchmark 6" in p.reasons


def test_given_a_pair_then_reasons_give_distance_waiting_and_disadvantage():
    s = snapshot([school("1", disadvantaged=True, waiting_days=214)], [adviser("A", 12.3)])
    p = only(solve(s))
    assert p.reasons[0] == "disadvantaged school: matched first"
    assert "12.3 km away (adviser travels up to 40 km)" in p.reasons
    assert "waiting 7 months since joining the EAN" in p.reasons
    assert p.distance_km == 12.3


def test_given_a_special_school_and_a_send_adviser_then_kind_points_and_reasons():
    s = snapshot([school("1", kind="special")], [adviser("A", skills=("SEND",))])
    p = only(solve(s))
    assert dict(p.score_parts)["kind"] == 15.0
    assert "special school: a priority kind of institution" in p.reasons
    assert "'SEND' suits a special school" in p.reasons


def test_given_a_proposal_then_score_is_the_sum_of_its_parts_and_at_most_100():
    p = only(solve(snapshot([school("1", benchmarks=None, waiting_days=999)], [adviser("A", 20.0)])))
    assert abs(p.score - sum(v for _, v in p.score_parts)) <= 0.03
    assert 0 <= p.score <= 100
    assert dict(p.score_parts)["travel"] == 15.0
    assert dict(p.score_parts)["waiting"] == 20.0


def test_given_a_longer_wait_then_a_higher_score():
    def score(days):
        return only(solve(snapshot([school("1", waiting_days=days)], [adviser("A")]))).score

    assert score(10) < score(100) < score(365) == score(3650)
