// OpenBLAS (Debian's libopenblas0-pthread, installed by scripts/install-openblas.sh): the few
// entry points the embedding model calls, declared as in its cblas.h so the build needs only the
// library, not the headers' location.
#ifndef VISIONARY_OPENBLAS_SHIM_H
#define VISIONARY_OPENBLAS_SHIM_H

typedef enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 } CBLAS_ORDER;
typedef enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112, CblasConjTrans = 113 } CBLAS_TRANSPOSE;

/// C = alpha * op(A) * op(B) + beta * C.
void cblas_sgemm(const enum CBLAS_ORDER Order, const enum CBLAS_TRANSPOSE TransA,
                 const enum CBLAS_TRANSPOSE TransB, const int M, const int N, const int K,
                 const float alpha, const float *A, const int lda, const float *B, const int ldb,
                 const float beta, float *C, const int ldc);

void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);

#endif
