"""The report's grouping: the factor's levels compared within cells of every other axis."""

from gan_lab.study.factor import Factor

ROW = {"model": "dcgan", "loss": "hinge", "output_activation": "tanh", "data_margin": 0.0, "beta_1": 0.5,
       "g_learning_rate": 1e-4}


def test_the_activation_study_compares_activations_within_model_and_loss():
  factor = Factor.of_design({"axes": [], "factor": "output_activation"})
  assert factor == Factor() and factor.block(ROW) == ("dcgan", "hinge") and factor.key(ROW) == ("tanh", 0.0)
  assert factor.block_label(factor.block(ROW)) == "dcgan · hinge" and factor.noun == "activation"


def test_another_factor_makes_the_activation_a_cell_field_and_names_the_extra_ones():
  factor = Factor.of_design({"axes": ["beta_1=0.0,0.5", "g_learning_rate,d_learning_rate=0.0001,0.0002"],
                             "factor": "beta_1"})
  assert factor.cells == ("model", "loss", "output_activation", "g_learning_rate")
  assert factor.level(ROW) == "0.5" and factor.noun == "beta_1"
  assert factor.block_label(factor.block(ROW)) == "dcgan · hinge · output_activation=tanh · g_learning_rate=0.0001"
  assert factor.header() == "model · loss · output_activation · g_learning_rate"
