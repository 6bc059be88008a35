// The register-A form of wgmma.mma_async in the emulator, against NumPy
// (gen/gen_wgmma.py, the goldens of wgmma_emulator.mlir), with a kernel
// written by hand from the PTX ISA and independent of seqc's attention
// kernel: D [64, 24] = A [64, 32] B [24, 32]^T (bf16 in, f32 accumulators)
// as two chained m64n24k16 wgmmas whose A comes from the threads'
// registers, each loading its own elements of A from global memory by the
// ISA's A fragment map (warp w, lane l, element i: row 16 w + l / 4 +
// 8 ((i / 2) % 2), column 2 (l % 4) + i % 2 + 8 (i / 4) of the k16
// slice), and whose B is read through the descriptors of
// wgmma_emulator.mlir's layout. The instruction is the PTX text as
// llvm.inline_asm (nvvm.wgmma.mma_async has no register-A form): D tied to
// the accumulator inputs, A as four vector<2xbf16> "r" registers.
//
// Mutations (sed) that must fail: the A map with its row group from
// l % 8 (a swapped register-A lane map), the two elements of each A
// register exchanged, and no wgmma.fence (the A registers were written by
// other instructions).

// DEFINE: %{args} = --arg 0=%S/Inputs/wgmma/a.npy --arg 1=%S/Inputs/wgmma/b.npy \
// DEFINE:   --expect 2=%S/Inputs/wgmma/d.npy --rtol 1e-5 --atol 1e-4
// RUN: seq-gpu-emu %s %{args} | FileCheck %s
// RUN: sed -e 's/%%ag = arith.divui %%al, %%c4 : index/%%ag = arith.remui %%al, %%c8 : index/' %s > %t.map.mlir
// RUN: not seq-gpu-emu %t.map.mlir %{args} 2>&1 | FileCheck %s --check-prefix=WRONG
// RUN: sed -E 's/(%%p[01]_[0-3]) = vector.from_elements (%%x[01]_[0-3])a, (%%x[01]_[0-3])b/\1 = vector.from_elements \3b, \2a/' %s > %t.pair.mlir
// RUN: not seq-gpu-emu %t.pair.mlir %{args} 2>&1 | FileCheck %s --check-prefix=WRONG
// RUN: sed -e '/nvvm.wgmma.fence.aligned/d' %s > %t.nofence.mlir
// RUN: not seq-gpu-emu %t.nofence.mlir %{args} 2>&1 | FileCheck %s --check-prefix=NOFENCE

// CHECK: emulated wgmma_m64n24_register_a on cuda:sm_90a: 1 blocks x 128 threads, 1 barriers, 4 warp collectives
// CHECK: output 2: 1536 values, max abs error {{.*}}, 0 outside
// WRONG: output 2: 1536 values, max abs error {{.*}}, {{[1-9][0-9]*}} outside
// WRONG: seq-gpu-emu: FAILED: outputs differ from the golden data
// NOFENCE: 'llvm.inline_asm' at {{.*}}: wgmma.mma_async {{on accumulator registers|reads A fragment registers}} written by other instructions with no wgmma.fence since

!acc = !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)>
module attributes {gpu.container_module} {
  gpu.module @kernels attributes {seq.target = "cuda:sm_90a"} {
    gpu.func @wgmma_m64n24_register_a(%a: memref<?x?xbf16>, %b: memref<?x?xbf16>,
                           %d: memref<?x?xf32>)
        workgroup(%sb : memref<768xbf16, #gpu.address_space<workgroup>> {llvm.align = 128 : i64})
        kernel attributes {known_block_size = array<i32: 128, 1, 1>,
                           seq.launch_grid = array<i64: 2, 0, 64>} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c3 = arith.constant 3 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      %c9 = arith.constant 9 : index
      %c16 = arith.constant 16 : index
      %c17 = arith.constant 17 : index
      %c32 = arith.constant 32 : index
      %c64 = arith.constant 64 : index
      %c128 = arith.constant 128 : index
      %c768 = arith.constant 768 : index
      %c2048 = arith.constant 2048 : index
      %mask = arith.constant 262143 : index
      %zero = arith.constant 0.0 : bf16
      %tid = gpu.thread_id x
      // B: element (n, k) at ((k / 8) 3 + n / 8) 64 + (n % 8) 8 + k % 8.
      scf.for %e = %tid to %c768 step %c128 {
        %n = arith.divui %e, %c32 : index
        %k = arith.remui %e, %c32 : index
        %v = memref.load %b[%n, %k] : memref<?x?xbf16>
        %kg = arith.divui %k, %c8 : index
        %ng = arith.divui %n, %c8 : index
        %kg3 = arith.muli %kg, %c3 : index
        %cm = arith.addi %kg3, %ng : index
        %cm64 = arith.muli %cm, %c64 : index
        %ni = arith.remui %n, %c8 : index
        %ni8 = arith.muli %ni, %c8 : index
        %ki = arith.remui %k, %c8 : index
        %o1 = arith.addi %cm64, %ni8 : index
        %idx = arith.addi %o1, %ki : index
        memref.store %v, %sb[%idx] : memref<768xbf16, #gpu.address_space<workgroup>>
      }
      nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
      gpu.barrier
      // B's descriptors: (address & 0x3FFFF) >> 4, LBO >> 4 << 16, SBO >> 4 << 32.
      %baseB = memref.extract_aligned_pointer_as_index %sb : memref<768xbf16, #gpu.address_space<workgroup>> -> index
      %fieldsB = arith.constant 34361311232 : index
      %sliceB = arith.constant 768 : index
      %startB1 = arith.addi %baseB, %sliceB : index
      %mB0 = arith.andi %baseB, %mask : index
      %mB1 = arith.andi %startB1, %mask : index
      %sB0 = arith.shrui %mB0, %c4 : index
      %sB1 = arith.shrui %mB1, %c4 : index
      %dB0 = arith.ori %sB0, %fieldsB : index
      %dB1 = arith.ori %sB1, %fieldsB : index
      %descB0 = arith.index_cast %dB0 : index to i64
      %descB1 = arith.index_cast %dB1 : index to i64
      // A in registers (PTX ISA, wgmma .m64nNk16 A fragment, .bf16): slice
      // s, register j of thread t holds elements i = 2 j, 2 j + 1 at row
      // 16 (t / 32) + (t % 32) / 4 + 8 ((i / 2) % 2), column 16 s +
      // 2 (t % 4) + i % 2 + 8 (i / 4).
      %aw = arith.divui %tid, %c32 : index
      %al = arith.remui %tid, %c32 : index
      %ag = arith.divui %al, %c4 : index
      %aq = arith.remui %al, %c4 : index
      %aw16 = arith.muli %aw, %c16 : index
      %arow0 = arith.addi %aw16, %ag : index
      %arow1 = arith.addi %arow0, %c8 : index
      %acol = arith.muli %aq, %c2 : index
      %c0_0 = arith.constant 0 : index
      %k0_0a = arith.addi %acol, %c0_0 : index
      %k0_0b = arith.addi %k0_0a, %c1 : index
      %x0_0a = memref.load %a[%arow0, %k0_0a] : memref<?x?xbf16>
      %x0_0b = memref.load %a[%arow0, %k0_0b] : memref<?x?xbf16>
      %p0_0 = vector.from_elements %x0_0a, %x0_0b : vector<2xbf16>
      %c0_1 = arith.constant 0 : index
      %k0_1a = arith.addi %acol, %c0_1 : index
      %k0_1b = arith.addi %k0_1a, %c1 : index
      %x0_1a = memref.load %a[%arow1, %k0_1a] : memref<?x?xbf16>
      %x0_1b = memref.load %a[%arow1, %k0_1b] : memref<?x?xbf16>
      %p0_1 = vector.from_elements %x0_1a, %x0_1b : vector<2xbf16>
      %c0_2 = arith.constant 8 : index
      %k0_2a = arith.addi %acol, %c0_2 : index
      %k0_2b = arith.addi %k0_2a, %c1 : index
      %x0_2a = memref.load %a[%arow0, %k0_2a] : memref<?x?xbf16>
      %x0_2b = memref.load %a[%arow0, %k0_2b] : memref<?x?xbf16>
      %p0_2 = vector.from_elements %x0_2a, %x0_2b : vector<2xbf16>
      %c0_3 = arith.constant 8 : index
      %k0_3a = arith.addi %acol, %c0_3 : index
      %k0_3b = arith.addi %k0_3a, %c1 : index
      %x0_3a = memref.load %a[%arow1, %k0_3a] : memref<?x?xbf16>
      %x0_3b = memref.load %a[%arow1, %k0_3b] : memref<?x?xbf16>
      %p0_3 = vector.from_elements %x0_3a, %x0_3b : vector<2xbf16>
      %c1_0 = arith.constant 16 : index
      %k1_0a = arith.addi %acol, %c1_0 : index
      %k1_0b = arith.addi %k1_0a, %c1 : index
      %x1_0a = memref.load %a[%arow0, %k1_0a] : memref<?x?xbf16>
      %x1_0b = memref.load %a[%arow0, %k1_0b] : memref<?x?xbf16>
      %p1_0 = vector.from_elements %x1_0a, %x1_0b : vector<2xbf16>
      %c1_1 = arith.constant 16 : index
      %k1_1a = arith.addi %acol, %c1_1 : index
      %k1_1b = arith.addi %k1_1a, %c1 : index
      %x1_1a = memref.load %a[%arow1, %k1_1a] : memref<?x?xbf16>
      %x1_1b = memref.load %a[%arow1, %k1_1b] : memref<?x?xbf16>
      %p1_1 = vector.from_elements %x1_1a, %x1_1b : vector<2xbf16>
      %c1_2 = arith.constant 24 : index
      %k1_2a = arith.addi %acol, %c1_2 : index
      %k1_2b = arith.addi %k1_2a, %c1 : index
      %x1_2a = memref.load %a[%arow0, %k1_2a] : memref<?x?xbf16>
      %x1_2b = memref.load %a[%arow0, %k1_2b] : memref<?x?xbf16>
      %p1_2 = vector.from_elements %x1_2a, %x1_2b : vector<2xbf16>
      %c1_3 = arith.constant 24 : index
      %k1_3a = arith.addi %acol, %c1_3 : index
      %k1_3b = arith.addi %k1_3a, %c1 : index
      %x1_3a = memref.load %a[%arow1, %k1_3a] : memref<?x?xbf16>
      %x1_3b = memref.load %a[%arow1, %k1_3b] : memref<?x?xbf16>
      %p1_3 = vector.from_elements %x1_3a, %x1_3b : vector<2xbf16>
      %init = llvm.mlir.zero : !acc
      nvvm.wgmma.fence.aligned
      %in0_0 = llvm.extractvalue %init[0] : !acc
      %in0_1 = llvm.extractvalue %init[1] : !acc
      %in0_2 = llvm.extractvalue %init[2] : !acc
      %in0_3 = llvm.extractvalue %init[3] : !acc
      %in0_4 = llvm.extractvalue %init[4] : !acc
      %in0_5 = llvm.extractvalue %init[5] : !acc
      %in0_6 = llvm.extractvalue %init[6] : !acc
      %in0_7 = llvm.extractvalue %init[7] : !acc
      %in0_8 = llvm.extractvalue %init[8] : !acc
      %in0_9 = llvm.extractvalue %init[9] : !acc
      %in0_10 = llvm.extractvalue %init[10] : !acc
      %in0_11 = llvm.extractvalue %init[11] : !acc
      %acc0 = llvm.inline_asm has_side_effects asm_dialect = att "{\0A.reg .pred p;\0Asetp.ne.b32 p, 1, 0;\0Awgmma.mma_async.sync.aligned.m64n24k16.f32.bf16.bf16 {$0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11}, {$24, $25, $26, $27}, $28, p, 1, 1, 0;\0A}\0A", "=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,0,1,2,3,4,5,6,7,8,9,10,11,r,r,r,r,l" %in0_0, %in0_1, %in0_2, %in0_3, %in0_4, %in0_5, %in0_6, %in0_7, %in0_8, %in0_9, %in0_10, %in0_11, %p0_0, %p0_1, %p0_2, %p0_3, %descB0 : (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, vector<2xbf16>, vector<2xbf16>, vector<2xbf16>, vector<2xbf16>, i64) -> !acc
      %in1_0 = llvm.extractvalue %acc0[0] : !acc
      %in1_1 = llvm.extractvalue %acc0[1] : !acc
      %in1_2 = llvm.extractvalue %acc0[2] : !acc
      %in1_3 = llvm.extractvalue %acc0[3] : !acc
      %in1_4 = llvm.extractvalue %acc0[4] : !acc
      %in1_5 = llvm.extractvalue %acc0[5] : !acc
      %in1_6 = llvm.extractvalue %acc0[6] : !acc
      %in1_7 = llvm.extractvalue %acc0[7] : !acc
      %in1_8 = llvm.extractvalue %acc0[8] : !acc
      %in1_9 = llvm.extractvalue %acc0[9] : !acc
      %in1_10 = llvm.extractvalue %acc0[10] : !acc
      %in1_11 = llvm.extractvalue %acc0[11] : !acc
      %acc = llvm.inline_asm has_side_effects asm_dialect = att "{\0A.reg .pred p;\0Asetp.ne.b32 p, 1, 0;\0Awgmma.mma_async.sync.aligned.m64n24k16.f32.bf16.bf16 {$0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11}, {$24, $25, $26, $27}, $28, p, 1, 1, 0;\0A}\0A", "=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,0,1,2,3,4,5,6,7,8,9,10,11,r,r,r,r,l" %in1_0, %in1_1, %in1_2, %in1_3, %in1_4, %in1_5, %in1_6, %in1_7, %in1_8, %in1_9, %in1_10, %in1_11, %p1_0, %p1_1, %p1_2, %p1_3, %descB1 : (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, vector<2xbf16>, vector<2xbf16>, vector<2xbf16>, vector<2xbf16>, i64) -> !acc
      nvvm.wgmma.commit.group.sync.aligned
      nvvm.wgmma.wait.group.sync.aligned 0
      // Fragment map (PTX ISA, wgmma .m64nNk16 D).
      %warp = arith.divui %tid, %c32 : index
      %lane = arith.remui %tid, %c32 : index
      %g = arith.divui %lane, %c4 : index
      %q = arith.remui %lane, %c4 : index
      %w16 = arith.muli %warp, %c16 : index
      %rowBase = arith.addi %w16, %g : index
      %colBase = arith.muli %q, %c2 : index
      %v0 = llvm.extractvalue %acc[0] : !acc
      %row0 = arith.addi %rowBase, %c0 : index
      %col0 = arith.addi %colBase, %c0 : index
      memref.store %v0, %d[%row0, %col0] : memref<?x?xf32>
      %v1 = llvm.extractvalue %acc[1] : !acc
      %row1 = arith.addi %rowBase, %c0 : index
      %col1 = arith.addi %colBase, %c1 : index
      memref.store %v1, %d[%row1, %col1] : memref<?x?xf32>
      %v2 = llvm.extractvalue %acc[2] : !acc
      %row2 = arith.addi %rowBase, %c8 : index
      %col2 = arith.addi %colBase, %c0 : index
      memref.store %v2, %d[%row2, %col2] : memref<?x?xf32>
      %v3 = llvm.extractvalue %acc[3] : !acc
      %row3 = arith.addi %rowBase, %c8 : index
      %col3 = arith.addi %colBase, %c1 : index
      memref.store %v3, %d[%row3, %col3] : memref<?x?xf32>
      %v4 = llvm.extractvalue %acc[4] : !acc
      %row4 = arith.addi %rowBase, %c0 : index
      %col4 = arith.addi %colBase, %c8 : index
      memref.store %v4, %d[%row4, %col4] : memref<?x?xf32>
      %v5 = llvm.extractvalue %acc[5] : !acc
      %row5 = arith.addi %rowBase, %c0 : index
      %col5 = arith.addi %colBase, %c9 : index
      memref.store %v5, %d[%row5, %col5] : memref<?x?xf32>
      %v6 = llvm.extractvalue %acc[6] : !acc
      %row6 = arith.addi %rowBase, %c8 : index
      %col6 = arith.addi %colBase, %c8 : index
      memref.store %v6, %d[%row6, %col6] : memref<?x?xf32>
      %v7 = llvm.extractvalue %acc[7] : !acc
      %row7 = arith.addi %rowBase, %c8 : index
      %col7 = arith.addi %colBase, %c9 : index
      memref.store %v7, %d[%row7, %col7] : memref<?x?xf32>
      %v8 = llvm.extractvalue %acc[8] : !acc
      %row8 = arith.addi %rowBase, %c0 : index
      %col8 = arith.addi %colBase, %c16 : index
      memref.store %v8, %d[%row8, %col8] : memref<?x?xf32>
      %v9 = llvm.extractvalue %acc[9] : !acc
      %row9 = arith.addi %rowBase, %c0 : index
      %col9 = arith.addi %colBase, %c17 : index
      memref.store %v9, %d[%row9, %col9] : memref<?x?xf32>
      %v10 = llvm.extractvalue %acc[10] : !acc
      %row10 = arith.addi %rowBase, %c8 : index
      %col10 = arith.addi %colBase, %c16 : index
      memref.store %v10, %d[%row10, %col10] : memref<?x?xf32>
      %v11 = llvm.extractvalue %acc[11] : !acc
      %row11 = arith.addi %rowBase, %c8 : index
      %col11 = arith.addi %colBase, %c17 : index
      memref.store %v11, %d[%row11, %col11] : memref<?x?xf32>
      gpu.return
    }
  }
}
