"""Small helpers shared by the package."""

import math


def check_range(
    name: str,
    value: float,
    low: float = -math.inf,
    high: float = math.inf,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> None:
    """
    Raise a ``ValueError`` naming the parameter, its value and the accepted range
    when ``value`` lies outside ``[low, high]`` (bounds open or closed as asked) or is NaN.

    :param name: Name of the parameter, as the user typed it
    :param value: Value to check
    :param low: Lower bound of the accepted range
    :param high: Upper bound of the accepted range
    :param low_inclusive: Whether ``low`` itself is accepted
    :param high_inclusive: Whether ``high`` itself is accepted
    """
    above_low = value >= low if low_inclusive else value > low
    below_high = value <= high if high_inclusive else value < high
    if not (above_low and below_high):  # also catches NaN
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive else ")"
        raise ValueError(f"{name} must be in {left}{low}, {high}{right}, got {name}={value!r}")
