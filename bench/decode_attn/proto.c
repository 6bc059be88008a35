// Decode attention tile prototype (AVX-512): one KV head, group of 4 heads,
// D128, 64-key blocks, online softmax; 8 KV heads x 32k keys x 4 splits f32.
// clang-22 -O2 -march=native -ffp-contract=fast proto.c -lm; run pinned:
// ./a.out PF PFV PVROWS HINT PFVAHEAD MODE BURST (MODE 1: a plain read of K
// and V; BURST n: the hints of n keys issued together every n keys).
#include <immintrin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define D 128
#define G 4
#define TK 64
static double cpu(){struct timespec t;clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static int BURST=0; static int PF=4, PFV=1, PVROWS=2, HINT=3, PFVAHEAD=0;
static inline void pfrow(const float*r){ for(int i=0;i<D;i+=16){ if(HINT==3)_mm_prefetch((const char*)(r+i),_MM_HINT_T0); else if(HINT==2)_mm_prefetch((const char*)(r+i),_MM_HINT_T1); else _mm_prefetch((const char*)(r+i),_MM_HINT_T2);} }
static inline __m512 exp2v(__m512 x){
  x=_mm512_max_ps(x,_mm512_set1_ps(-127.f)); x=_mm512_min_ps(x,_mm512_set1_ps(127.f));
  __m512 n=_mm512_roundscale_ps(x,0); __m512 f=_mm512_sub_ps(x,n);
  __m512 p=_mm512_set1_ps(1.535336188319500e-4f);
  p=_mm512_fmadd_ps(p,f,_mm512_set1_ps(1.339887440266574e-3f));
  p=_mm512_fmadd_ps(p,f,_mm512_set1_ps(9.618437357674640e-3f));
  p=_mm512_fmadd_ps(p,f,_mm512_set1_ps(5.550332471162809e-2f));
  p=_mm512_fmadd_ps(p,f,_mm512_set1_ps(2.402264791363012e-1f));
  p=_mm512_fmadd_ps(p,f,_mm512_set1_ps(6.931472028550421e-1f));
  p=_mm512_fmadd_ps(p,f,_mm512_set1_ps(1.f));
  __m512i e=_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n),_mm512_set1_epi32(127)),23);
  return _mm512_mul_ps(p,_mm512_castsi512_ps(e));
}
// tile over keys [b,e)
static void tile(const float*q,const float*K,const float*V,long b,long e,float*out){
  float m[G],l[G]; float acc[G][D] __attribute__((aligned(64))); float sc[G][TK] __attribute__((aligned(64)));
  for(int h=0;h<G;h++){m[h]=-INFINITY;l[h]=0;for(int d=0;d<D;d++)acc[h][d]=0;}
  for(long kt=b;kt<e;kt+=TK){
    int keys = e-kt<TK? e-kt:TK;
    // scores
    for(int j=0;j<keys;j++){
      if(BURST){ if(j%BURST==0) for(int u=0;u<BURST;u++){ if(PF>0){ long a=kt+j+u+PF; if(a>e-1)a=e-1; pfrow(K+a*D);} if(PFV){ long a=kt+j+u+PFVAHEAD; if(a>e-1)a=e-1; pfrow(V+a*D);} } } else {
      if(PF>0){ long a=kt+j+PF; if(a>e-1)a=e-1; pfrow(K+a*D); }
      if(PFV){ long a=kt+j+PFVAHEAD; if(a>e-1)a=e-1; pfrow(V+a*D);} }
      const float*kr=K+(kt+j)*D;
      __m512 s[G]; for(int h=0;h<G;h++)s[h]=_mm512_setzero_ps();
      for(int d=0;d<D;d+=16){__m512 kv=_mm512_load_ps(kr+d); for(int h=0;h<G;h++)s[h]=_mm512_fmadd_ps(_mm512_load_ps(q+h*D+d),kv,s[h]);}
      for(int h=0;h<G;h++)sc[h][j]=_mm512_reduce_add_ps(s[h]);
    }
    // softmax per head (log2 domain, q prescaled)
    float corr[G];
    for(int h=0;h<G;h++){
      __m512 mx=_mm512_set1_ps(-INFINITY);
      for(int j=0;j<TK;j+=16){__m512 v=_mm512_load_ps(&sc[h][j]); __mmask16 k=(j+16<=keys)?0xffff:(__mmask16)((1u<<(keys-j))-1); if(j>=keys)k=0; v=_mm512_mask_blend_ps(k,_mm512_set1_ps(-INFINITY),v); _mm512_store_ps(&sc[h][j],v); mx=_mm512_max_ps(mx,v);}
      float nm=fmaxf(m[h],_mm512_reduce_max_ps(mx)); corr[h]=exp2f(m[h]-nm); m[h]=nm;
      __m512 sm=_mm512_setzero_ps(), nmv=_mm512_set1_ps(nm);
      for(int j=0;j<TK;j+=16){__m512 p=exp2v(_mm512_sub_ps(_mm512_load_ps(&sc[h][j]),nmv)); _mm512_store_ps(&sc[h][j],p); sm=_mm512_add_ps(sm,p);}
      l[h]=l[h]*corr[h]+_mm512_reduce_add_ps(sm);
    }
    // P.V
    if(PVROWS==2){
      for(int h0=0;h0<G;h0+=2) for(int d0=0;d0<D;d0+=64){
        __m512 a[2][4];
        for(int r=0;r<2;r++)for(int c=0;c<4;c++)a[r][c]=_mm512_mul_ps(_mm512_load_ps(&acc[h0+r][d0+16*c]),_mm512_set1_ps(corr[h0+r]));
        for(int j=0;j<keys;j++){const float*vr=V+(kt+j)*D+d0; __m512 v0=_mm512_load_ps(vr),v1=_mm512_load_ps(vr+16),v2=_mm512_load_ps(vr+32),v3=_mm512_load_ps(vr+48);
          for(int r=0;r<2;r++){__m512 p=_mm512_set1_ps(sc[h0+r][j]); a[r][0]=_mm512_fmadd_ps(p,v0,a[r][0]);a[r][1]=_mm512_fmadd_ps(p,v1,a[r][1]);a[r][2]=_mm512_fmadd_ps(p,v2,a[r][2]);a[r][3]=_mm512_fmadd_ps(p,v3,a[r][3]);}}
        for(int r=0;r<2;r++)for(int c=0;c<4;c++)_mm512_store_ps(&acc[h0+r][d0+16*c],a[r][c]);
      }
    } else { // 4 rows x 4 vectors
      for(int d0=0;d0<D;d0+=64){
        __m512 a[4][4];
        for(int r=0;r<4;r++)for(int c=0;c<4;c++)a[r][c]=_mm512_mul_ps(_mm512_load_ps(&acc[r][d0+16*c]),_mm512_set1_ps(corr[r]));
        for(int j=0;j<keys;j++){const float*vr=V+(kt+j)*D+d0; __m512 v0=_mm512_load_ps(vr),v1=_mm512_load_ps(vr+16),v2=_mm512_load_ps(vr+32),v3=_mm512_load_ps(vr+48);
          for(int r=0;r<4;r++){__m512 p=_mm512_set1_ps(sc[r][j]); a[r][0]=_mm512_fmadd_ps(p,v0,a[r][0]);a[r][1]=_mm512_fmadd_ps(p,v1,a[r][1]);a[r][2]=_mm512_fmadd_ps(p,v2,a[r][2]);a[r][3]=_mm512_fmadd_ps(p,v3,a[r][3]);}}
        for(int r=0;r<4;r++)for(int c=0;c<4;c++)_mm512_store_ps(&acc[r][d0+16*c],a[r][c]);
      }
    }
  }
  for(int h=0;h<G;h++)for(int d=0;d<D;d++)out[h*D+d]=acc[h][d]/l[h];
}
int main(int argc,char**argv){
  long S=32768; int H=8;
  if(argc>1)PF=atoi(argv[1]); if(argc>2)PFV=atoi(argv[2]); if(argc>3)PVROWS=atoi(argv[3]); if(argc>4)HINT=atoi(argv[4]); if(argc>5)PFVAHEAD=atoi(argv[5]);
  int mode = argc>6? atoi(argv[6]):0; if(argc>7)BURST=atoi(argv[7]); // 0 kernel, 1 read-only
  size_t n=(size_t)H*S*D;
  float*K=aligned_alloc(64,n*4),*V=aligned_alloc(64,n*4),*q=aligned_alloc(64,H*G*D*4),*o=aligned_alloc(64,H*G*D*4*4);
  srand(1); for(size_t i=0;i<n;i++){K[i]=(rand()&255)/256.f-0.5f;V[i]=(rand()&255)/256.f-0.5f;}
  for(int i=0;i<H*G*D;i++)q[i]=((rand()&255)/256.f-0.5f)*0.1f;
  double best=1e9;
  for(int r=0;r<6;r++){
    double t=cpu();
    if(mode==1){ __m512 s=_mm512_setzero_ps(); for(size_t i=0;i<n;i+=16){s=_mm512_add_ps(s,_mm512_load_ps(K+i));s=_mm512_add_ps(s,_mm512_load_ps(V+i));} o[0]=_mm512_reduce_add_ps(s);}
    else for(int h=0;h<H;h++) for(int sp=0;sp<4;sp++) tile(q+h*G*D,K+(size_t)h*S*D,V+(size_t)h*S*D,sp*S/4,(sp+1)*S/4,o+(h*4+sp)*G*D);
    t=cpu()-t; if(t<best)best=t;
  }
  printf("%g PF=%d PFV=%d PVROWS=%d HINT=%d PFVAHEAD=%d mode=%d: %.2f ms  %.1f GB/s\n",(double)o[0],PF,PFV,PVROWS,HINT,PFVAHEAD,mode,best*1e3,2*n*4/best/1e9);
}
