//! Report: one serialisable report; text, JSON and GitHub writers are views of it.
