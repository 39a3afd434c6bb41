//! The global allocator: dlmalloc, for the same speed on every build.
//!
//! The shipped binary is static musl, whose allocator (mallocng) returns
//! memory to the kernel eagerly: compiling one regex allocates and frees a
//! 316 KiB table, and each time musl mapped it afresh and the kernel zeroed
//! 80 pages. A one-line log cost 1,400 `mmap` calls and 9,000 page faults,
//! half of its run time. dlmalloc keeps freed memory for reuse and gives back
//! only what exceeds 2 MiB at the top of the heap, so peak RSS barely moves.
//! It is set in the library, so the tests and examples run on it too.

#[global_allocator]
static GLOBAL: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;
