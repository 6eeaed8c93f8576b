/* Shared between vectors.c, which defines the table, and startup.c, which points VTOR at it. */
#ifndef VECTOR_TABLE_H
#define VECTOR_TABLE_H

typedef void (*vector_t)(void);

extern const vector_t vector_table[];

#endif /* VECTOR_TABLE_H */
