// wgmma.mma_async in the emulator, against NumPy (gen/gen_wgmma.py), with
// a kernel written by hand from the PTX ISA and independent of seqc's
// linear kernel: D [64, 24] = A [64, 32] B [24, 32]^T (bf16 in, f32
// accumulators) as two chained m64n24k16 wgmmas, one warpgroup. The
// operands sit in shared memory in a layout of this test's own (no
// swizzle, the 8 x 16-byte core matrices K-group major: A's core matrix
// (r / 8, k / 8) at ((k / 8) 8 + r / 8) 128 bytes, B's at
// ((k / 8) 3 + n / 8) 128): leading byte offset (along K) 1024 for A and
// 384 for B, stride byte offset (8-row groups) 128, the second k16 slice
// at two leading offsets. The accumulator fragment is stored by the PTX
// ISA's map (warp w, lane l, register i: row 16 w + l / 4 + 8 ((i / 2) % 2),
// column 8 (i / 4) + 2 (l % 4) + i % 2).
//
// Mutations (sed) that must fail: a wrong stride byte offset, a wrong
// fragment map (row group from l % 8), no wgmma.wait_group (the
// accumulator read before its group retires), no wgmma.fence, no
// fence.proxy.async after the stores, no barrier before the wgmma, a
// store into A's tile before the wait (the wgmma still reads it), and A's
// tile not declared 16-byte aligned (llvm.align; the lowering would align
// it to 2 bytes).

// DEFINE: %{args} = --arg 0=%S/Inputs/wgmma/a.npy --arg 1=%S/Inputs/wgmma/b.npy \
// DEFINE:   --expect 2=%S/Inputs/wgmma/d.npy --rtol 1e-5 --atol 1e-4
// RUN: seq-gpu-emu %s %{args} | FileCheck %s
// RUN: sed -e 's/%fieldsA = arith.constant 34363932672/%fieldsA = arith.constant 68723671040/' %s > %t.stride.mlir
// RUN: not seq-gpu-emu %t.stride.mlir %{args} 2>&1 | FileCheck %s --check-prefix=WRONG
// RUN: sed -e 's/%g = arith.divui %lane, %c4 : index/%g = arith.remui %lane, %c8 : index/' %s > %t.map.mlir
// RUN: not seq-gpu-emu %t.map.mlir %{args} 2>&1 | FileCheck %s --check-prefix=WRONG
// RUN: sed -e '/nvvm.wgmma.wait.group.sync.aligned/d' %s > %t.nowait.mlir
// RUN: not seq-gpu-emu %t.nowait.mlir %{args} 2>&1 | FileCheck %s --check-prefix=NOWAIT
// RUN: sed -e '/nvvm.wgmma.fence.aligned/d' %s > %t.nofence.mlir
// RUN: not seq-gpu-emu %t.nofence.mlir %{args} 2>&1 | FileCheck %s --check-prefix=NOFENCE
// RUN: sed -e '/nvvm.fence.proxy/d' %s > %t.noproxy.mlir
// RUN: not seq-gpu-emu %t.noproxy.mlir %{args} 2>&1 | FileCheck %s --check-prefix=NOPROXY
// RUN: sed -e '/gpu.barrier/d' %s > %t.nobarrier.mlir
// RUN: not seq-gpu-emu %t.nobarrier.mlir %{args} 2>&1 | FileCheck %s --check-prefix=NOBARRIER
// RUN: sed -e 's/^      nvvm.wgmma.commit.group.sync.aligned$/      nvvm.wgmma.commit.group.sync.aligned\n      memref.store %%zero, %%sa[%%tid] : memref<2048xbf16, #gpu.address_space<workgroup>>/' %s > %t.overwrite.mlir
// RUN: not seq-gpu-emu %t.overwrite.mlir %{args} 2>&1 | FileCheck %s --check-prefix=OVERWRITE
// RUN: sed -e 's/<2048xbf16, #gpu.address_space<workgroup>> {llvm.align = 128 : i64}/<2048xbf16, #gpu.address_space<workgroup>>/' %s > %t.align.mlir
// RUN: not seq-gpu-emu %t.align.mlir %{args} 2>&1 | FileCheck %s --check-prefix=ALIGN

// CHECK: emulated wgmma_m64n24 on cuda:sm_90a: 1 blocks x 128 threads, 1 barriers, 4 warp collectives
// CHECK: output 2: 1536 values, max abs error {{.*}}, 0 outside
// WRONG: output 2: 1536 values, max abs error {{.*}}, {{[1-9][0-9]*}} outside
// WRONG: seq-gpu-emu: FAILED: outputs differ from the golden data
// (llvm.extractvalue is a register rename: the field stays unretired, and its
// first real use, the store, is reported.)
// NOWAIT: 'memref.store' at {{.*}}: read of a wgmma.mma_async accumulator before wgmma.wait_group retires its group
// NOFENCE: 'nvvm.wgmma.mma_async' at {{.*}}: wgmma.mma_async on accumulator registers written by other instructions with no wgmma.fence since
// NOPROXY: 'nvvm.wgmma.mma_async' at {{.*}}: shared-memory race: wgmma A reads element {{[0-9]+}} written by thread {{[0-9]+}} through the generic proxy with no fence.proxy.async after the write
// NOBARRIER: 'nvvm.wgmma.mma_async' at {{.*}}: shared-memory race: wgmma A reads element {{[0-9]+}} written by thread {{[0-9]+}} with no barrier between
// ALIGN: 'nvvm.wgmma.mma_async' at {{.*}}: wgmma A descriptor: its workgroup buffer is aligned to 2 bytes (llvm.align), a descriptor needs 16
// OVERWRITE: 'memref.store' at {{.*}}: shared-memory race: write of element {{[0-9]+}} while a wgmma.mma_async of warpgroup 0 reads it (no wgmma.wait_group for its group)

!acc = !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)>
module attributes {gpu.container_module} {
  gpu.module @kernels attributes {seq.target = "cuda:sm_90a"} {
    gpu.func @wgmma_m64n24(%a: memref<?x?xbf16>, %b: memref<?x?xbf16>,
                           %d: memref<?x?xf32>)
        workgroup(%sa : memref<2048xbf16, #gpu.address_space<workgroup>> {llvm.align = 128 : i64},
                  %sb : memref<768xbf16, #gpu.address_space<workgroup>> {llvm.align = 128 : i64})
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
      // A: element (r, k) at ((k / 8) 8 + r / 8) 64 + (r % 8) 8 + k % 8.
      scf.for %e = %tid to %c2048 step %c128 {
        %r = arith.divui %e, %c32 : index
        %k = arith.remui %e, %c32 : index
        %v = memref.load %a[%r, %k] : memref<?x?xbf16>
        %kg = arith.divui %k, %c8 : index
        %rg = arith.divui %r, %c8 : index
        %kg8 = arith.muli %kg, %c8 : index
        %cm = arith.addi %kg8, %rg : index
        %cm64 = arith.muli %cm, %c64 : index
        %ri = arith.remui %r, %c8 : index
        %ri8 = arith.muli %ri, %c8 : index
        %ki = arith.remui %k, %c8 : index
        %o1 = arith.addi %cm64, %ri8 : index
        %idx = arith.addi %o1, %ki : index
        memref.store %v, %sa[%idx] : memref<2048xbf16, #gpu.address_space<workgroup>>
      }
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
      // Descriptors: (address & 0x3FFFF) >> 4, LBO >> 4 << 16, SBO >> 4 << 32.
      %baseA = memref.extract_aligned_pointer_as_index %sa : memref<2048xbf16, #gpu.address_space<workgroup>> -> index
      %baseB = memref.extract_aligned_pointer_as_index %sb : memref<768xbf16, #gpu.address_space<workgroup>> -> index
      %fieldsA = arith.constant 34363932672 : index
      %fieldsB = arith.constant 34361311232 : index
      %sliceA = arith.constant 2048 : index
      %sliceB = arith.constant 768 : index
      %startA1 = arith.addi %baseA, %sliceA : index
      %startB1 = arith.addi %baseB, %sliceB : index
      %mA0 = arith.andi %baseA, %mask : index
      %mA1 = arith.andi %startA1, %mask : index
      %mB0 = arith.andi %baseB, %mask : index
      %mB1 = arith.andi %startB1, %mask : index
      %sA0 = arith.shrui %mA0, %c4 : index
      %sA1 = arith.shrui %mA1, %c4 : index
      %sB0 = arith.shrui %mB0, %c4 : index
      %sB1 = arith.shrui %mB1, %c4 : index
      %dA0 = arith.ori %sA0, %fieldsA : index
      %dA1 = arith.ori %sA1, %fieldsA : index
      %dB0 = arith.ori %sB0, %fieldsB : index
      %dB1 = arith.ori %sB1, %fieldsB : index
      %descA0 = arith.index_cast %dA0 : index to i64
      %descA1 = arith.index_cast %dA1 : index to i64
      %descB0 = arith.index_cast %dB0 : index to i64
      %descB1 = arith.index_cast %dB1 : index to i64
      %init = llvm.mlir.zero : !acc
      nvvm.wgmma.fence.aligned
      %acc0 = nvvm.wgmma.mma_async %descA0, %descB0, %init, #nvvm.shape<m = 64, n = 24, k = 16>, D [<f32>, <one>], A [<bf16>, <one>, <row>], B [<bf16>, <one>, <col>] : !acc -> !acc
      %acc = nvvm.wgmma.mma_async %descA1, %descB1, %acc0, #nvvm.shape<m = 64, n = 24, k = 16>, D [<f32>, <one>], A [<bf16>, <one>, <row>], B [<bf16>, <one>, <col>] : !acc -> !acc
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
