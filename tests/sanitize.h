/* Rounds of a random or property test, fewer under the sanitizers.  An
 * ASan + UBSan round costs several times a plain one, and the memory
 * errors they look for show in the first rounds as well as in the
 * thousandth; the plain build runs every round, so the property is
 * still checked in full by `make test`. */
#ifndef TESTS_SANITIZE_H
#define TESTS_SANITIZE_H

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ROUNDS(n) (((n) + 3) / 4)
#else
#define TEST_ROUNDS(n) (n)
#endif

#endif
