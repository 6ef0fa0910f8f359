"""Reading records back: `q` filters of record lists and a SuiteQL subset."""
