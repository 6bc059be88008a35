# -*- Python -*-
# lit configuration that runs the seqc GoogleTest unit tests.

import os

import lit.formats

config.name = "SEQC-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.seqc_obj_root, "test", "Unit")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")

# The runtime tests read the real SmolLM2 GGUF file when SEQC_SMOLLM2_GGUF
# names it; default to the model cache's copy (scripts/fetch-smollm2.sh) when
# there is one, as test/lit.cfg.py does.
model_cache = os.environ.get("SEQC_MODEL_CACHE") or os.path.join(
    os.path.expanduser("~"), ".cache", "seqc")
smollm2_gguf = os.environ.get("SEQC_SMOLLM2_GGUF") or os.path.join(
    model_cache, "SmolLM2-135M-Instruct.Q4_1.gguf")
if os.path.isfile(smollm2_gguf):
    config.environment["SEQC_SMOLLM2_GGUF"] = smollm2_gguf

# Under SEQC_SANITIZE: ASan's options as test/lit.cfg.py sets them.
if getattr(config, "seqc_sanitize", ""):
    config.environment["ASAN_OPTIONS"] = ":".join(
        o for o in ("allocator_may_return_null=1:allow_user_poisoning=0",
                    os.environ.get("ASAN_OPTIONS", "")) if o)
