"""Smart-city policy: allocation of the budget, what is built, and how assets age."""
