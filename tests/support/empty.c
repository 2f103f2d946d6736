/* Keeps the test-support library non-empty before helpers exist. */
int jet_testsupport_empty_(void);
int jet_testsupport_empty_(void) { return 0; }
