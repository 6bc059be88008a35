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
