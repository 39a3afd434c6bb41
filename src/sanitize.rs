//! Making untrusted text safe for each sink: control and Bidi characters, secrets.
