//go:build !unix

package main

import "os/exec"

// ownGroup leaves cmd as it is where there are no process groups:
// stopping it kills the command itself.
func ownGroup(cmd *exec.Cmd) {}
