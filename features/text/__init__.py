"""Reading Chinese legal text: numerals, facts of a case (with evidence spans), sentences of a verdict, and the
evaluation of the fact reader. Uses ``features.law``; never the model."""
