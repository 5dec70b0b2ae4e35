"""Closed-form derivatives against finite differences; the figure is written."""

import numpy as np
import pytest

from gan_lab.study import activation_figure


@pytest.mark.parametrize("name", activation_figure.FUNCTIONS)
def test_derivative_matches_central_difference(name):
  f, df = activation_figure.FUNCTIONS[name]
  x = np.array([-5.0, -1.3, -0.2, 0.3, 1.7, 4.0])  # Away from the kink at 0.
  h = 1e-6
  np.testing.assert_allclose(df(x), (f(x + h) - f(x - h)) / (2 * h), rtol=1e-5, atol=1e-8)


def test_known_values():
  fs = activation_figure.FUNCTIONS
  assert fs["sigmoid"][0](0.0) == 0.5 and fs["sigmoid"][1](0.0) == 0.25
  assert fs["LeakyReLU(0.2)"][0](-2.0) == pytest.approx(-0.4)
  assert fs["ELU(1.0)"][0](-50.0) == pytest.approx(-1.0)
  assert fs["tanh"][1](4.0) < 0.0014  # Saturated.


def test_figure_written(tmp_path):
  activation_figure.save_figure(tmp_path / "a.png")
  assert (tmp_path / "a.png").stat().st_size > 10000
