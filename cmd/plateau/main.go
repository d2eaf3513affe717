// Command plateau reads the logs of a fine-tuning run and reports what the
// run did. See doc.go for the manual.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
