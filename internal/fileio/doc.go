// Package fileio is the one place where plateau opens the files it reads
// and writes the files it produces, so that the policy is kept everywhere:
//
//   - An input is opened without blocking and must be a regular file: a
//     named pipe (FIFO), a device or a socket given where a log file is
//     expected is refused with an error that says what it is, instead of
//     hanging in open(2) or reading a device forever (OpenRegular).
//   - Whether two paths are the same file is decided by the file they
//     resolve to (device and inode, symbolic links followed), never by
//     comparing path strings (SameFile).
//   - An output never replaces what is not a regular file: a regular file
//     is replaced atomically (a temporary file renamed over it, through a
//     symbolic link to its target); a character device or a named pipe
//     someone reads is written into, never replaced; a directory, a block
//     device or a socket is refused (WriteFile).
package fileio
