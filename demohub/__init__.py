"""The Dorset demo hub as data: the CSV files a user would import (dorset/), in recording order, and the
generator that made them (generate.py). service/demo.py loads them through the normal import path."""
