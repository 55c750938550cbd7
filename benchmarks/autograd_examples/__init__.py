"""autograd's examples (github.com/HIPS/autograd, `examples/`) as a corpus of public models: every function an
example differentiates, turned into a kernel by mechanical rewrites (rewrite.py), at the sizes the table gives
(examples.py), checked form by form by benchmarks/corpus/checks.py. Run `python -m benchmarks.autograd_examples
--autograd PATH [--c]`; docs/corpora.md has the counts."""
