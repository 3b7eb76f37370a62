"""Risk: BNPL credit scoring and AML monitoring on top of the warehouse."""

import hisaab  # noqa: F401  (first: it configures polars' allocator before polars is imported)
