# Emulator test suites run by `make test` (tests/suites/<name>.sh).
TEST_SUITES := layers unit emu-x86 emu-arm64 emu-bochs
