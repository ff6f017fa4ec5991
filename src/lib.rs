//! zkmlp
