TEST_SUITES := unit
