//go:build !unix

package follow

import "os"

type fileID struct{}

func idOf(os.FileInfo) fileID { return fileID{} }
