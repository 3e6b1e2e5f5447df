from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.geo import EARTH_RADIUS_KM, haversine_km, haversine_km_arrays

lat = st.floats(-89.0, 89.0)
lon = st.floats(-179.0, 179.0)


def test_given_one_degree_along_a_meridian_when_measured_then_it_is_r_times_pi_over_180():
    assert math.isclose(haversine_km(52.0, -1.0, 53.0, -1.0), EARTH_RADIUS_KM * math.pi / 180, rel_tol=1e-12)


def test_given_london_and_paris_when_measured_then_about_344_km():
    assert 343.0 < haversine_km(51.5074, -0.1278, 48.8566, 2.3522) < 344.5


@settings(max_examples=200, deadline=None)
@given(lat, lon, lat, lon)
def test_given_any_two_points_when_measured_both_ways_then_equal_and_arrays_agree(a, b, c, d):
    one = haversine_km(a, b, c, d)
    assert one == haversine_km(c, d, a, b) or math.isclose(one, haversine_km(c, d, a, b), abs_tol=1e-9)
    many = haversine_km_arrays(np.array([a]), np.array([b]), np.array([c]), np.array([d]))[0]
    assert math.isclose(one, many, rel_tol=1e-9, abs_tol=1e-9)
