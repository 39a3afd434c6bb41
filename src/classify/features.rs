//! Features: the normalised error region as hashed word and word-pair counts.
