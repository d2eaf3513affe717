//go:build !unix

package fileio

// nonBlock is 0 where the system has no O_NONBLOCK; named pipes there are
// not files a path opens.
const nonBlock = 0

func noReader(error) bool { return false }
