package conductor.guard_test

import data.conductor.guard

test_typo_rule_exists if guard.decison.outcome == "allow"
