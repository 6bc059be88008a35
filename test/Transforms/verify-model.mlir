// RUN: seqc-opt %s -split-input-file -seq-verify-model -verify-diagnostics

// expected-error @+1 {{a model module needs at least one public func.func entry point}}
module {
  // expected-note @+1 {{@helper is private; make it public to export it}}
  func.func private @helper() {
    return
  }
}

// -----

module {
  seq.parameter @a "model.w" : tensor<4xf32>
  // expected-error @+1 {{parameter key 'model.w' is already bound by "a"}}
  seq.parameter @b "model.w" : tensor<4xf32>
  func.func @main() {
    return
  }
}

// -----

module {
  // expected-error @+1 {{entry point @main has a non-tensor, non-scalar type 'index'}}
  func.func @main(%n: index) {
    return
  }
}

// -----

// A well-formed module passes unchanged.
module {
  seq.parameter @a "model.a" : tensor<4xf32>
  seq.parameter @b "model.b" : tensor<4xf32>
  func.func @main(%x: tensor<4xf32>, %s: i64) -> tensor<4xf32> {
    %a = seq.get_parameter @a : tensor<4xf32>
    return %a : tensor<4xf32>
  }
}

// -----

module {
  seq.parameter @w "w" {quant = #seq.quant_format<q4_1>} : tensor<8x180xi8>
  func.func @main(%x: tensor<2x320xf32>) -> tensor<2x8xf32> {
    %w = seq.get_parameter @w : tensor<8x180xi8>
    // expected-error @+1 {{reads parameter "w" as q4_0 but it is stored as q4_1}}
    %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_0>}
        : tensor<2x320xf32>, tensor<8x180xi8> -> tensor<2x8xf32>
    return %y : tensor<2x8xf32>
  }
}
