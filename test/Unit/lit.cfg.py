# -*- Python -*-
# lit configuration that runs the seqc GoogleTest unit tests.

import os

import lit.formats

config.name = "SEQC-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.seqc_obj_root, "test", "Unit")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
