//! Fix: one fixer per problem behind one trait; edits over the original text.
