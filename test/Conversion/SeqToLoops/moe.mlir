// RUN: seqc-opt %s -convert-seq-to-loops -split-input-file | FileCheck %s

// Router: one tile per token; selection scores (sigmoid + bias) and group
// scores (sum of the two best) into per-token rows, topk_groups passes of an
// argmax over the groups, then top_k passes of an argmax over the eligible
// experts. Weights are the unbiased sigmoid scores, normalised and scaled.

// CHECK-LABEL: func.func @route_sigmoid_grouped
// CHECK-NOT:     {{(= |^ *)seq\.}}
// CHECK-DAG:     %[[W:.*]] = memref.alloc() {{.*}} : memref<16x2xf32>
// CHECK-DAG:     %[[E:.*]] = memref.alloc() {{.*}} : memref<16x2xi32>
// CHECK-DAG:     %[[SEL:.*]] = memref.alloc() {{.*}} : memref<16x8xf32>
// CHECK-DAG:     %[[BLOCKED:.*]] = memref.alloc() {{.*}} : memref<16x8xi8>
// CHECK-DAG:     %[[GSCORE:.*]] = memref.alloc() {{.*}} : memref<16x4xf32>
// CHECK:         scf.forall (%[[T:.*]]) in
// CHECK:           math.exp
// CHECK:           arith.addf
// CHECK:           memref.store %{{.*}}, %[[SEL]][%[[T]], %{{.*}}]
// Group score: best + second best.
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (f32, f32)
// CHECK:           memref.store %{{.*}}, %[[GSCORE]][%[[T]], %{{.*}}]
// Argmax over groups, then over experts, lowest index on ties (strict >).
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (f32, index)
// CHECK:             arith.cmpf ogt
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (f32, index)
// CHECK:             memref.load %[[SEL]]
// CHECK:             memref.load %[[BLOCKED]]
// CHECK:             arith.cmpf ogt
// CHECK:           arith.index_cast %{{.*}} : index to i32
// CHECK:           memref.store %{{.*}}, %[[E]][%[[T]], %{{.*}}]
// CHECK:           memref.store %{{.*}}, %[[BLOCKED]][%[[T]], %{{.*}}]
// Normalise and scale.
// CHECK:           arith.divf
// CHECK:           arith.mulf %{{.*}}, %cst{{.*}} : f32
// CHECK:           memref.store %{{.*}}, %[[W]]
// CHECK:         bufferization.to_tensor %[[W]]
// CHECK:         bufferization.to_tensor %[[E]]
// CHECK-NOT:     {{(= |^ *)seq\.}}
func.func @route_sigmoid_grouped(%logits: tensor<16x8xf32>, %bias: tensor<8xf32>)
    -> (tensor<16x2xf32>, tensor<16x2xi32>) {
  %w, %e = seq.moe_route %logits bias(%bias : tensor<8xf32>)
      {top_k = 2 : i64, scoring = #seq.router_scoring<sigmoid>, normalize,
       num_groups = 4 : i64, topk_groups = 2 : i64, routed_scaling = 2.5 : f32}
      : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return %w, %e : tensor<16x2xf32>, tensor<16x2xi32>
}

// -----

// topk_softmax: top-k of the raw logits, then a softmax over the K chosen.

// CHECK-LABEL: func.func @route_topk_softmax
// CHECK-NOT:     {{(= |^ *)seq\.}}
// CHECK:         %[[W:.*]] = memref.alloc(%{{.*}}) {{.*}} : memref<?x3xf32>
// CHECK:         scf.forall
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (f32, index)
// CHECK:           arith.maximumf
// CHECK:           math.exp
// CHECK:           math.exp
// CHECK:           arith.divf
// CHECK:           memref.store %{{.*}}, %[[W]]
// CHECK-NOT:     {{(= |^ *)seq\.}}
func.func @route_topk_softmax(%logits: tensor<?x8xf32>)
    -> (tensor<?x3xf32>, tensor<?x3xi32>) {
  %w, %e = seq.moe_route %logits
      {top_k = 3 : i64, scoring = #seq.router_scoring<topk_softmax>}
      : tensor<?x8xf32> -> tensor<?x3xf32>, tensor<?x3xi32>
  return %w, %e : tensor<?x3xf32>, tensor<?x3xi32>
}

// -----

// Dispatch: a sequential counting sort of the slots. C = ceil(f * T * K / E)
// in f64; a slot is kept while its expert's count is below C; kept slots go
// to their group, the others after offsets[E].

// CHECK-LABEL: func.func @dispatch_capacity
// CHECK-NOT:     {{(= |^ *)seq\.}}
// CHECK-NOT:     scf.forall
// CHECK-DAG:     %[[PERM:.*]] = memref.alloc(%{{.*}}) {{.*}} : memref<?xi32>
// CHECK-DAG:     %[[OFF:.*]] = memref.alloc() {{.*}} : memref<5xi32>
// CHECK:         arith.mulf %{{.*}} : f64
// CHECK:         arith.divf %{{.*}} : f64
// CHECK:         %[[CEIL:.*]] = math.ceil %{{.*}} : f64
// CHECK:         %[[COUNT:.*]] = memref.alloc() {{.*}} : memref<4xindex>
// Counting pass.
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             memref.load %[[COUNT]]
// CHECK:             arith.cmpi slt
// CHECK:             memref.store %{{.*}}, %[[COUNT]]
// Exclusive prefix sum into the offsets.
// CHECK:         scf.for {{.*}} -> (index)
// CHECK:           memref.store %{{.*}}, %[[OFF]]
// CHECK:         memref.store %{{.*}}, %[[OFF]][%c4]
// Scatter pass.
// CHECK:         scf.for {{.*}} -> (index)
// CHECK:           scf.for {{.*}} -> (index)
// CHECK:             memref.store %{{.*}}, %[[PERM]]
// CHECK-NOT:     {{(= |^ *)seq\.}}
func.func @dispatch_capacity(%experts: tensor<?x2xi32>) -> (tensor<?xi32>, tensor<5xi32>) {
  %perm, %off = seq.moe_dispatch %experts {num_experts = 4 : i64, capacity_factor = 1.25 : f32}
      : tensor<?x2xi32> -> tensor<?xi32>, tensor<5xi32>
  return %perm, %off : tensor<?xi32>, tensor<5xi32>
}

// -----

// Grouped matmul: tiles of (row, 16 columns); a row multiplies only the
// weight of the group e with offsets[e] <= row < offsets[e + 1]; rows owned
// by no group (past offsets[E]) are zero.

// CHECK-LABEL: func.func @grouped_matmul
// CHECK-NOT:     {{(= |^ *)seq\.}}
// CHECK-DAG:     %[[X:.*]] = bufferization.to_buffer %arg0
// CHECK-DAG:     %[[WT:.*]] = bufferization.to_buffer %arg1
// CHECK-DAG:     %[[OFFS:.*]] = bufferization.to_buffer %arg2
// CHECK:         %[[OUT:.*]] = memref.alloc() {{.*}} : memref<20x24xf32>
// CHECK:         scf.forall (%[[ROW:.*]], %[[NB:.*]]) in
// CHECK:           %[[OWNER:.*]] = scf.for %[[G:.*]] = %c0 to %c4 {{.*}} -> (index)
// CHECK:             memref.load %[[OFFS]][%[[G]]]
// CHECK:             memref.load %[[OFFS]]
// CHECK:           %[[OWNED:.*]] = arith.cmpi sge, %[[OWNER]], %c0
// CHECK:           scf.if %[[OWNED]] {
// Register blocks of 8 columns: one input vector feeds 8 accumulators.
// CHECK:             scf.for {{.*}} step %c8 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK:               vector.load %[[X]][%{{.*}}, %{{.*}}] : memref<20x16xf32>, vector<8xf32>
// CHECK:               vector.load %[[WT]][%[[OWNER]], %{{.*}}, %{{.*}}] : memref<4x24x16xf32>, vector<8xf32>
// CHECK:               vector.fma
// CHECK:             vector.reduction <add>
// CHECK:             memref.store %{{.*}}, %[[OUT]][%{{.*}}, %{{.*}}]
// CHECK:           } else {
// CHECK:             memref.store %cst, %[[OUT]][%[[ROW]], %{{.*}}]
// CHECK-NOT:     {{(= |^ *)seq\.}}
func.func @grouped_matmul(%in: tensor<20x16xf32>, %w: tensor<4x24x16xf32>, %off: tensor<5xi32>)
    -> tensor<20x24xf32> {
  %y = seq.grouped_matmul %in, %w, %off
      : tensor<20x16xf32>, tensor<4x24x16xf32>, tensor<5xi32> -> tensor<20x24xf32>
  return %y : tensor<20x24xf32>
}

// -----

// Expert FFN + combine: the expert groups (expert_offsets) are walked once to
// map each kept slot to its expert (and a counting sort orders the slots by
// expert, cut into row blocks of one expert); then three phases of
// independent tiles: (row block, hidden block) -> hbuf = silu(gate x) * up x,
// (row block, model block) -> ybuf = w * down hbuf (dropped slots are in no
// block), (token, model block) -> out = sum of the kept ybuf rows, f32
// accumulation, bf16 storage. Expert weights are indexed through the
// slot -> expert map; the temporaries are freed by the deallocation pipeline.

// CHECK-LABEL: func.func @experts_swiglu_bf16
// CHECK-NOT:     {{(= |^ *)seq\.}}
// CHECK-DAG:     %[[X:.*]] = bufferization.to_buffer %arg0
// CHECK-DAG:     %[[WTS:.*]] = bufferization.to_buffer %arg1
// CHECK-DAG:     %[[PERM:.*]] = bufferization.to_buffer %arg2
// CHECK-DAG:     %[[OFFS:.*]] = bufferization.to_buffer %arg3
// CHECK-DAG:     %[[WG:.*]] = bufferization.to_buffer %arg4
// CHECK-DAG:     %[[WU:.*]] = bufferization.to_buffer %arg5
// CHECK-DAG:     %[[WD:.*]] = bufferization.to_buffer %arg6
// CHECK:         %[[OUT:.*]] = memref.alloc() {{.*}} : memref<8x16xbf16>
// CHECK:         %[[SLOT:.*]] = memref.alloc() {{.*}} : memref<16xindex>
// CHECK:         scf.for %[[S:.*]] = %c0 to %c16
// CHECK:           memref.store %c-1, %[[SLOT]][%[[S]]]
// The groups: expert e owns permutation[offsets[e] : offsets[e + 1]].
// CHECK:         scf.for %[[E:.*]] = %c0 to %c4
// CHECK:           memref.load %[[OFFS]][%[[E]]]
// CHECK:           memref.load %[[OFFS]]
// CHECK:           scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK:             %[[P:.*]] = memref.load %[[PERM]][%[[I]]]
// CHECK:             scf.if
// CHECK:               memref.store %[[E]], %[[SLOT]]
// Counting sort of the slots by expert (dropped ones in bucket E = 4).
// CHECK:         %[[COUNT:.*]] = memref.alloc() {{.*}} : memref<5xindex>
// CHECK:         %[[ORDER:.*]] = memref.alloc() {{.*}} : memref<16xindex>
// CHECK:         scf.for {{.*}} -> (index)
// CHECK:           memref.store %{{.*}}, %[[COUNT]]
// CHECK:         scf.for %[[S2:.*]] = %c0 to %c16
// CHECK:           memref.store %[[S2]], %[[ORDER]]
// Row blocks: runs of at most 16 ordered slots of one expert (two AVX2
// vectors of lanes; start, end, expert), counted per expert from the
// sorted bucket ends. Groups of up to 4 blocks of one expert (first
// block, count) order the gate/up tiles.
// CHECK:         %[[BLO:.*]] = memref.alloc(%c5) {{.*}} : memref<?xindex>
// CHECK:         %[[BHI:.*]] = memref.alloc(%c5) {{.*}} : memref<?xindex>
// CHECK:         %[[BEX:.*]] = memref.alloc(%c5) {{.*}} : memref<?xindex>
// CHECK:         %[[GFIRST:.*]] = memref.alloc(%c5) {{.*}} : memref<?xindex>
// CHECK:         %[[GCOUNT:.*]] = memref.alloc(%c5) {{.*}} : memref<?xindex>
// CHECK:         %[[NB:.*]]:3 = scf.for %[[BE:.*]] = %c0 to %c4 {{.*}} -> (index, index, index)
// CHECK:           arith.ceildivui %{{.*}}, %c16
// CHECK:           scf.for
// CHECK:             memref.store %{{.*}}, %[[BLO]]
// CHECK:             memref.store %{{.*}}, %[[BHI]]
// CHECK:             memref.store %[[BE]], %[[BEX]]
// CHECK:           arith.ceildivui %{{.*}}, %c4
// CHECK:           scf.for
// CHECK:             memref.store %{{.*}}, %[[GFIRST]]
// CHECK:             memref.store %{{.*}}, %[[GCOUNT]]
// Panel blocks (>= 4 slots): the block's tokens gathered transposed once,
// xT[block, d, lane] (f32, zero past the block's end).
// CHECK:         %[[XT:.*]] = memref.alloc(%c5) {{.*}} : memref<?x16x16xf32>
// CHECK:         %[[HT:.*]] = memref.alloc(%c5) {{.*}} : memref<?x32x16xf32>
// CHECK:         scf.forall (%[[GB:.*]]) in (%[[NB]]#0)
// CHECK:           arith.cmpi sge, %{{.*}}, %c4
// CHECK:           scf.if
// CHECK:             memref.load %[[X]]
// CHECK:             arith.extf {{.*}} : bf16 to f32
// CHECK:             memref.store %{{.*}}, %[[XT]][%[[GB]],
// Phase 1: tiles of (group of row blocks, block of 64 hidden features,
// row block of the group), the group's blocks innermost. Panel blocks of
// up to 8 slots (one vector of lanes; 9..16: two): broadcast-FMAs of
// widened weight elements against xT vectors (3 features x (up, gate) x 1
// vector here), no horizontal sums; silu(gate) * up on vectors (exp2
// polynomial) into hT[block, f, lane].
// The hidden buffer holds min(T*K, 3E) rows: only an expert's last,
// short block (fewer slots than the panel kernel takes) is written there.
// CHECK:         %[[H:.*]] = memref.alloc(%c12) {{.*}} : memref<?x32xf32>
// bf16 weights: the dot-product blocks read the input rows as f32 in
// pair-split order (per 16 elements the even ones, then the odd ones),
// copied once.
// CHECK:         %[[XP:.*]] = memref.alloc() {{.*}} : memref<8x16xf32>
// CHECK:         scf.forall (%[[XPT:.*]]) in (%c8)
// CHECK:           memref.load %[[X]][%[[XPT]], %[[XPK:.*]]] : memref<8x16xbf16>
// CHECK:           arith.remui %[[XPK]], %c16
// CHECK:           memref.store %{{.*}}, %[[XP]][%[[XPT]], %{{.*}}] : memref<8x16xf32>
// CHECK:         scf.forall (%[[G:.*]], %{{.*}}, %[[GI:.*]]) in (%[[NB]]#1, %c1, %c4)
// CHECK:           %[[GN:.*]] = memref.load %[[GCOUNT]][%[[G]]]
// CHECK:           arith.cmpi ult, %[[GI]], %[[GN]]
// CHECK:           %[[G0:.*]] = memref.load %[[GFIRST]][%[[G]]]
// CHECK:           %[[RB:.*]] = arith.addi %[[G0]], %[[GI]]
// CHECK:           memref.load %[[BHI]][%[[RB]]]
// CHECK:           %[[P0:.*]] = memref.load %[[BLO]][%[[RB]]]
// CHECK:           arith.cmpi sge, %{{.*}}, %c4
// CHECK:           scf.if
// CHECK:             arith.cmpi sle, %{{.*}}, %c8
// CHECK:             scf.if
// CHECK:               %[[XS:.*]] = memref.subview %[[XT]][%[[RB]], 0, 0]
// CHECK:               scf.for %{{.*}} = %c0 to %{{.*}} step %c3
// The bf16 weight rows of a register block are widened into an f32 stack
// copy 256 elements at a time (vector loads and extensions); the
// broadcasts read the copy.
// CHECK:                   scf.for %[[D0:.*]] = %c0 to %c16 step %c256 {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK:                     scf.for %[[V:.*]] = %c0 to %{{.*}} step %c8
// CHECK:                       %[[WV:.*]] = vector.load %[[WU]][%{{.*}}, %{{.*}}, %{{.*}}] : memref<4x32x16xbf16>, vector<8xbf16>
// CHECK:                       %[[WX:.*]] = arith.extf %[[WV]] : vector<8xbf16> to vector<8xf32>
// CHECK:                       vector.store %[[WX]], %[[COPY:.*]][%c0, %[[V]]] : memref<6x256xf32>, vector<8xf32>
// CHECK:                     vector.load %[[WG]]
// CHECK:                     scf.for %[[D1:.*]] = %c0 to %{{.*}} step %c1 {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK:                       vector.load %[[XS]][%{{.*}}, %{{.*}}]
// CHECK:                       %[[WE:.*]] = memref.load %[[COPY]][%c0, %[[D1]]] : memref<6x256xf32>
// CHECK:                       vector.broadcast %[[WE]] : f32 to vector<8xf32>
// CHECK:                       vector.fma
// CHECK-NOT:                   vector.reduction
// CHECK:                       memref.load %[[COPY]][%c1, %[[D1]]]
// CHECK:                 math.roundeven {{.*}} : vector<8xf32>
// CHECK:                 arith.divf {{.*}} : vector<8xf32>
// CHECK:                 vector.store %{{.*}}, %[[HT]][%[[RB]], %{{.*}}, %c0]
// CHECK:             } else {
// CHECK:               memref.subview %[[XT]][%[[RB]], 0, 0]
// CHECK:                 vector.store %{{.*}}, %[[HT]][%[[RB]], %{{.*}}, %c8]
// Smaller blocks (decode): register blocks of 2 features x (up, gate) x 3
// slots (12 vector accumulators: 3 token rows and each weight row loaded
// once per step), then silu(gate) * up into hbuf[position, f].
// CHECK:           } else {
// CHECK:             scf.for %[[F:.*]] = %{{.*}} to %{{.*}} step %c2
// CHECK:               scf.for %[[P:.*]] = %[[P0]] to %{{.*}} step %c3
// CHECK:                 %[[S0:.*]] = memref.load %[[ORDER]][%[[P]]]
// CHECK:                 %[[T0:.*]] = arith.divui %[[S0]], %c2
// A step is one 16-element line of each bf16 weight row, split by a shift
// (even elements) and a mask (odd ones) into f32 lanes that meet the two
// halves of the pair-split input rows; the rows 8 features on (clamped to
// the expert's last) are prefetched.
// CHECK:                 scf.for %[[D:.*]] = %c0 to %c16 step %c16 {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK:                   memref.prefetch %[[WU]]
// CHECK:                   memref.prefetch %[[WG]]
// CHECK:                   %[[DO:.*]] = arith.addi %[[D]], %c8
// CHECK:                   vector.load %[[XP]][%[[T0]], %[[D]]] : memref<8x16xf32>, vector<8xf32>
// CHECK:                   vector.load %[[XP]][%[[T0]], %[[DO]]] : memref<8x16xf32>, vector<8xf32>
// CHECK:                   %[[WL:.*]] = vector.load %[[WU]][%[[HE:.*]], %[[F]], %[[D]]] : memref<4x32x16xbf16>, vector<16xbf16>
// CHECK:                   %[[WI:.*]] = vector.bitcast %[[WL]] : vector<16xbf16> to vector<8xi32>
// CHECK:                   arith.shli %[[WI]]
// CHECK:                   arith.andi %[[WI]]
// CHECK:                   vector.fma
// CHECK:                   vector.fma
// CHECK:                   vector.load %[[WG]][%[[HE]], %[[F]], %[[D]]]
// CHECK:                 vector.reduction <add>
// CHECK:                 math.exp
// The hidden rows are stored pair-split (the down weights are bf16).
// CHECK:                 arith.remui %[[F]], %c16
// CHECK:                 memref.store %{{.*}}, %[[H]][%{{.*}}, %{{.*}}]
// Phase 2: tiles of (row block, block of 64 model features): down . hT
// (panel: 6 features x lanes) or down . hbuf (3 slots x 4 features),
// scaled by the slot's routing weight and stored in the slot's row.
// CHECK:         %[[Y:.*]] = memref.alloc() {{.*}} : memref<16x16xf32>
// CHECK:         scf.forall (%[[RB2:.*]], %{{.*}}) in (%[[NB]]#0, %c1)
// CHECK:           %[[YE:.*]] = memref.load %[[BEX]][%[[RB2]]]
// CHECK:             scf.if
// CHECK:               %[[YS0:.*]] = memref.alloca() : memref<64x16xf32>
// CHECK:               %[[HS:.*]] = memref.subview %[[HT]][%[[RB2]], 0, 0]
// CHECK:                 scf.for %[[F2C:.*]] = %c0 to %c32 step %c256 {{.*}} -> (vector<8xf32>,
// CHECK:                   vector.load %[[WD]][%[[YE]], %{{.*}}, %{{.*}}] : memref<4x16x32xbf16>, vector<8xbf16>
// CHECK:                   scf.for %[[F2:.*]] = %c0 to %{{.*}} step %c1 {{.*}} -> (vector<8xf32>,
// CHECK:                     vector.load %[[HS]][%{{.*}}, %{{.*}}]
// CHECK:                     memref.load %{{.*}}[%c0, %[[F2]]] : memref<6x256xf32>
// CHECK:                     vector.fma
// CHECK:               memref.load %[[YS0]]
// CHECK:               memref.load %[[WTS]]
// CHECK:               memref.store %{{.*}}, %[[Y]]
// CHECK:           } else {
// CHECK:             scf.for %[[DD:.*]] = %{{.*}} to %{{.*}} step %c4
// CHECK:               scf.for %[[YP:.*]] = %{{.*}} to %{{.*}} step %c3
// CHECK:                 scf.for %[[FF:.*]] = %c0 to %c32 step %c16 {{.*}} -> (vector<8xf32>,
// CHECK:                   vector.load %[[H]][%{{.*}}, %[[FF]]]
// CHECK:                   vector.load %[[WD]][%[[YE]], %[[DD]], %[[FF]]] : memref<4x16x32xbf16>, vector<16xbf16>
// CHECK:                 %[[YS:.*]] = memref.load %[[ORDER]][%[[YP]]]
// CHECK:                 %[[YT:.*]] = arith.divui %[[YS]], %c2
// CHECK:                 %[[YK:.*]] = arith.remui %[[YS]], %c2
// CHECK:                 %[[YW:.*]] = memref.load %[[WTS]][%[[YT]], %[[YK]]]
// CHECK:                 %[[YV:.*]] = arith.mulf %[[YW]]
// CHECK:                 memref.store %[[YV]], %[[Y]][%[[YS]], %[[DD]]]
// Phase 3: tiles of (token, block of 64 model features): the sum of the
// token's kept (already weighted) slots.
// CHECK:         scf.forall (%[[T2:.*]], %{{.*}}) in (%c8, %c1)
// CHECK:           scf.for %[[D2:.*]] = %{{.*}} to %{{.*}} step
// CHECK:             scf.for %[[K:.*]] = %c0 to %c2 {{.*}} -> (f32)
// CHECK:               %[[CS:.*]] = arith.addi %{{.*}}, %[[K]]
// CHECK:               memref.load %[[SLOT]][%[[CS]]]
// CHECK:               memref.load %[[Y]][%[[CS]], %[[D2]]]
// CHECK-NOT:           memref.load %[[WTS]]
// CHECK:               arith.select
// CHECK:           arith.truncf {{.*}} : f32 to bf16
// CHECK:           memref.store %{{.*}}, %[[OUT]][%[[T2]], %[[D2]]]
// CHECK-NOT:     scf.forall
// CHECK-NOT:     memref.dealloc
// CHECK-NOT:     {{(= |^ *)seq\.}}
func.func @experts_swiglu_bf16(%x: tensor<8x16xbf16>, %w: tensor<8x2xf32>, %perm: tensor<16xi32>,
                               %off: tensor<5xi32>, %wg: tensor<4x32x16xbf16>,
                               %wu: tensor<4x32x16xbf16>, %wd: tensor<4x16x32xbf16>)
    -> tensor<8x16xbf16> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<4x32x16xbf16>)
      up(%wu : tensor<4x32x16xbf16>) down(%wd : tensor<4x16x32xbf16>)
      {activation = #seq.ffn_activation<swiglu>}
      : tensor<8x16xbf16>, tensor<8x2xf32>, tensor<16xi32>, tensor<5xi32> -> tensor<8x16xbf16>
  return %y : tensor<8x16xbf16>
}

// -----

// Ungated GELU experts use the exact (erf) GELU; dynamic token count.

// CHECK-LABEL: func.func @experts_gelu
// CHECK-NOT:     {{(= |^ *)seq\.}}
// CHECK:         %[[SLOTS:.*]] = arith.muli %{{.*}}, %c2 : index
// CHECK:         memref.alloc(%[[SLOTS]]) {{.*}} : memref<?xindex>
// CHECK:         arith.ceildivui %{{.*}}, %c16
// CHECK:         scf.forall (%{{.*}}) in (%[[NB:.*]])
// CHECK:         %[[HROWS:.*]] = arith.minsi %[[SLOTS]], %c12
// CHECK:         memref.alloc(%[[HROWS]]) {{.*}} : memref<?x32xf32>
// CHECK:         scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}}, %c1, %c4)
// The panel kernel's GELU runs lane by lane (math.erf is scalar).
// CHECK:                 math.erf {{.*}} : f32
// CHECK:           } else {
// CHECK:             scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK:             math.erf
// CHECK:         memref.alloc(%[[SLOTS]]) {{.*}} : memref<?x16xf32>
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) in (%[[NB]], %c1)
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) in (%{{.*}}, %c1)
// CHECK-NOT:     scf.forall
// CHECK-NOT:     {{(= |^ *)seq\.}}
func.func @experts_gelu(%x: tensor<?x16xf32>, %w: tensor<?x2xf32>, %perm: tensor<?xi32>,
                        %off: tensor<5xi32>, %wu: tensor<4x32x16xf32>,
                        %wd: tensor<4x16x32xf32>) -> tensor<?x16xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off
      up(%wu : tensor<4x32x16xf32>) down(%wd : tensor<4x16x32xf32>)
      {activation = #seq.ffn_activation<gelu>}
      : tensor<?x16xf32>, tensor<?x2xf32>, tensor<?xi32>, tensor<5xi32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
