/* Sets of small numbers (flash pages, header bytes) kept as arrays of 32-bit words, bit n % 32 of word n / 32.
 * One definition for the page sets of the flash writer and the AN3155 erase list and the USB loader's maps. */
#ifndef BITSET_H
#define BITSET_H

#include <stdbool.h>
#include <stdint.h>

static inline bool bitset_has(const uint32_t *bits, uint32_t n)
{
    return (bits[n / 32u] >> (n % 32u)) & 1u;
}

static inline void bitset_add(uint32_t *bits, uint32_t n)
{
    bits[n / 32u] |= 1u << (n % 32u);
}

static inline void bitset_remove(uint32_t *bits, uint32_t n)
{
    bits[n / 32u] &= ~(1u << (n % 32u));
}

#endif /* BITSET_H */
