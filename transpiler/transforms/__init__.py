"""Transforms from IR to IR: reverse mode (`reverse/`), forward mode (`forward`), batching (`batch/`), their
compositions to any order (`compose`, `jacobian`), and the passes they share (`hoist`, `inplace`, `mutation`,
`trees`)."""
