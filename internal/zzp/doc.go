// Package perf holds end-to-end benchmarks of plateau's pipeline (read,
// analyse, render) on large generated inputs. It has no non-test code
// beyond this comment.
package zzp
