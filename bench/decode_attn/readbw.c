// Read bandwidth of one core: two streams (like K and V) summed with AVX-512
// loads, CPU time, best of 7; argument: software prefetch distance in 512-byte
// rows (0: none). clang-22 -O2 -march=native readbw.c; taskset -c 0 ./a.out 0
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double cpu(){struct timespec t;clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  int pf=argc>1?atoi(argv[1]):0;
  size_t n=32ull*1024*1024; float*a=aligned_alloc(64,n*4),*b=aligned_alloc(64,n*4);
  for(size_t i=0;i<n;i++){a[i]=i&7;b[i]=1;}
  double best=1e9; float res=0;
  for(int r=0;r<7;r++){double t=cpu(); __m512 s=_mm512_setzero_ps(),u=s;
    for(size_t i=0;i<n;i+=128){ if(pf){ for(int l=0;l<8;l++){_mm_prefetch((char*)(a+i+pf*128+l*16),_MM_HINT_T0);_mm_prefetch((char*)(b+i+pf*128+l*16),_MM_HINT_T0);} }
      for(int l=0;l<8;l++){ s=_mm512_add_ps(s,_mm512_load_ps(a+i+l*16)); u=_mm512_add_ps(u,_mm512_load_ps(b+i+l*16)); } }
    t=cpu()-t; if(t<best)best=t; res+=_mm512_reduce_add_ps(_mm512_add_ps(s,u));}
  printf("pf%d read K+V-like 2 streams %.1f GB/s (%g)\n",pf,2.0*n*4/best/1e9,res);
}
