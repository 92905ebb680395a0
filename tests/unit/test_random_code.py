"""Query codes are drawn from one uniform number (domain/numbering.py: random_code)."""

from collections import Counter

from domain.numbering import random_code

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def test_a_code_has_the_length_asked_for_and_only_characters_of_the_alphabet():
    for length in (1, 10, 16):
        code = random_code(ALPHABET, length)
        assert len(code) == length and set(code) <= set(ALPHABET)


def test_every_position_takes_every_character_about_equally_often():
    draws = 6200
    codes = [random_code(ALPHABET, 10) for _ in range(draws)]
    expected = draws / len(ALPHABET)  # 200 per character and position
    for position in (0, 5, 9):  # the low, middle and high digits of the number
        counts = Counter(code[position] for code in codes)
        assert set(counts) == set(ALPHABET)
        chi_square = sum((counts[c] - expected) ** 2 / expected for c in ALPHABET)
        assert chi_square < 70  # 30 degrees of freedom: p < 1e-4 of a false alarm


def test_codes_do_not_repeat():
    codes = {random_code(ALPHABET, 10) for _ in range(20000)}
    assert len(codes) == 20000
