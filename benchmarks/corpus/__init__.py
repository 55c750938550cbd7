"""How every corpus driver judges a kernel of other people's code: `checks.check_kernel` runs each form against
Python, central differences, autograd (`against_autograd`), vmap's loop and the C target (`c_target`), recording
pass / skip / refused / bad / WRONG outcomes (`oracles`)."""
