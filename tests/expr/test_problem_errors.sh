#!/usr/bin/env bash
# Bad problem groups and bad formulas: each is exit 2 with the file, line, key and (for a formula)
# the column named, and no results file written; in the sanitizer build also no sanitizer report
# (leaks on the error paths); HDF5 never prints its own error stack. Usage: test_problem_errors.sh PINNFLUENCE
set -u
exe="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
n=0
# case NAME PATTERN KEY=VALUE...: the Burgers problem with the given members replaced (a value of
# DELETE drops the member); extra top-level lines in $EXTRA
case_() {
  local name="$1" pat="$2"
  shift 2
  declare -A m=(
    [name]='"burgers_t"' [inputs]='["x", "t"]' [domain]='([-1.0, 1.0], [0.0, 1.0])'
    [outputs]='["u"]' [coefficients]='{ nu = "0.01/pi"; }'
    [residuals]='["u_t + u*u_x - nu*u_xx"]'
    [constraints]='({ A = "-sin(pi*x)"; B = "(1 - x^2)*t"; })' [grid]='"burgers"')
  local order=(name inputs domain outputs coefficients residuals constraints grid)
  for kv in "$@"; do
    local k="${kv%%=*}" v="${kv#*=}"
    [ -z "${m[$k]+x}" ] && order+=("$k")
    m[$k]="$v"
  done
  {
    printf '%s' "${EXTRA:-}"
    echo "problem = {"
    for k in "${order[@]}"; do
      [ "${m[$k]}" = DELETE ] || echo "  $k = ${m[$k]};"
    done
    echo "};"
    echo "train = { cycles = 1; adam_iters = 2; lbfgs_iters = 0; };"
  } > "$name.cfg"
  n=$((n + 1))
  "$exe" run "$name.cfg" -o "$name.h5" > out 2> err
  local rc=$?
  if [ "$rc" != 2 ]; then
    echo "FAIL $name: exit $rc, want 2"; cat err; fail=1
  elif ! grep -qF -- "$pat" err; then
    echo "FAIL $name: message lacks '$pat':"; cat err; fail=1
  elif grep -q -e 'runtime error' -e 'Sanitizer' err; then
    echo "FAIL $name: a sanitizer report"; cat err; fail=1
  elif grep -q 'HDF5-DIAG' err; then
    echo "FAIL $name: HDF5 printed its error stack"; cat err; fail=1
  elif [ -e "$name.h5" ]; then
    echo "FAIL $name: $name.h5 was written"; fail=1
  fi
}

# formulas: the position of the fault
case_ unknown_symbol 'unknown_symbol.cfg:7: problem.residuals[0]: column 7 of "u_t + e*u_x": unknown symbol "e"' 'residuals=["u_t + e*u_x"]'
case_ not_an_input 'column 1 of "u_z + u*u_x": "u_z": '"'z'"' is not an input' 'residuals=["u_z + u*u_x"]'
case_ order3 '"u_xxx": a derivative of order 3' 'residuals=["u_t + u_xxx"]'
case_ double_slash "column 6 of \"u_t //2 + u\": '/' after an operator" 'residuals=["u_t //2 + u"]'
case_ double_star "'*' after an operator" 'residuals=["u_t ** 2"]'
case_ open_paren "expected ')'" 'residuals=["(u_t + u*u_x"]'
case_ close_paren "unmatched ')'" 'residuals=["u_t + u)"]'
case_ unknown_function 'unknown function "sinh"' 'residuals=["u_t + sinh(u)"]'
case_ implicit_product "column 2 of \"2u_t\": a number followed by a name" 'residuals=["2u_t"]'
case_ juxtaposed 'a value follows a value' 'residuals=["nu u_xx"]'
case_ empty_formula 'problem.residuals[0]: an empty formula' 'residuals=[""]'
case_ reads_nothing 'the residual reads no output' 'residuals=["x - t", "u_t + u*u_x"]'
case_ output_in_A 'problem.constraints[0].A: column 1 of "u*x": "u": an output here' 'constraints=({ A = "u*x"; B = "(1 - x^2)*t"; })'
case_ output_in_reference '"u": an output here' 'grid=DELETE' 'reference=["u"]'
case_ coef_symbol 'problem.coefficients.nu: column 6 of "0.01/x"' 'coefficients={ nu = "0.01/x"; }'
# the structure of the group
case_ output_unused 'output v is never read by a residual' 'outputs=["u", "v"]' 'constraints=({ A = "-sin(pi*x)"; B = "(1 - x^2)*t"; }, { A = "0"; B = "(1 - x^2)*t"; })' 'grid=DELETE' 'reference=["0", "0"]'
case_ B_face_x 'problem.constraints[0].B: B does not vanish on the face x = lo' 'constraints=({ A = "-sin(pi*x)"; B = "t"; })'
case_ B_face_t 'B does not vanish on the face t = lo' 'constraints=({ A = "-sin(pi*x)"; B = "1 - x^2"; })'
case_ B_face_hi 'B does not vanish on the face x = hi' 'constraints=({ A = "-sin(pi*x)"; B = "(1 + x)*t"; })'
case_ missing_residuals 'problem: missing key "residuals"' 'residuals=DELETE'
case_ unknown_member 'unknown key "residual"' 'residual=["u_t"]'
case_ builtin_name 'name "burgers" is a built-in problem'"'"'s' 'name="burgers"'
case_ bad_name 'problem.name: name "two words"' 'name="two words"'
case_ same_names 'the name "x" is used twice' 'coefficients={ x = 1.0; }'
case_ reserved 'the name "pi" is reserved' 'coefficients={ pi = 3.0; }'
case_ long_input 'input "xx"; allowed: one lower-case letter' 'inputs=["xx", "t"]'
case_ domain_order 'domain of x is [1, -1]' 'domain=([1.0, -1.0], [0.0, 1.0])'
case_ domain_count 'one [lo, hi] per input' 'domain=([-1.0, 1.0])'
case_ weights_count 'one weight per residual' 'weights=[1.0, 2.0]'
case_ weight_negative 'weight 0 is -1' 'weights=[-1.0]'
case_ no_reference 'no reference' 'grid=DELETE'
case_ grid_wave 'grid = "wave"; allowed: burgers, allen_cahn' 'grid="wave"'
case_ constraint_count 'one { A = "..."; B = "..."; } or { soft = (...); } per output' 'constraints=({ A = "0"; B = "t"; }, { A = "0"; B = "t"; })'
case_ constraint_keys 'constraints[0].B: missing' 'constraints=({ A = "-sin(pi*x)"; })'
case_ not_a_group 'problem.residuals: expected a list' 'residuals={ r = "u_t"; }'
EXTRA='pde = "burgers";
' case_ both_pde 'both pde and problem are set' 
EXTRA='seed = 1;
' case_ line_numbers 'line_numbers.cfg:9: problem.constraints[0].B' 'constraints=({ A = "-sin(pi*x)"; B = "t*x"; })'
# soft conditions in the problem (README "Problems in the configuration")
S='constraints=({ soft = ('
case_ soft_face_unknown 'problem.constraints[0].soft[0].face: unknown face "z=lo"; allowed: x=lo, x=hi, t=lo, t=hi' "$S"' { face = "z=lo"; value = "0"; } ); })'
case_ soft_face_side 'unknown face "x=mid"' "$S"' { face = "x=mid"; value = "0"; } ); })'
case_ soft_derivative '"y" is not an input; allowed: one input name' "$S"' { face = "x=lo"; derivative = "y"; value = "0"; } ); })'
case_ soft_value_syntax 'problem.constraints[0].soft[1].value: column 5 of "sin(": ' "$S"' { face = "x=lo"; value = "0"; }, { face = "t=lo"; value = "sin("; } ); })'
case_ soft_value_output '"u": an output here' "$S"' { face = "x=lo"; value = "u"; } ); })'
case_ soft_value_unknown 'column 1 of "q*x": unknown symbol "q"' "$S"' { face = "x=lo"; value = "q*x"; } ); })'
case_ soft_missing_value 'missing value = "..."' "$S"' { face = "x=lo"; } ); })'
case_ soft_missing_face 'missing face = "x=lo"' "$S"' { value = "0"; } ); })'
case_ soft_unknown_key 'problem.constraints[0].soft[0].side: unknown key; allowed: face, value, derivative' "$S"' { face = "x=lo"; value = "0"; side = 1; } ); })'
case_ soft_and_A 'a soft constraint has the one key soft' 'constraints=({ A = "0"; soft = ( { face = "x=lo"; value = "0"; } ); })'
case_ soft_twice 'a second condition on u at x=lo' "$S"' { face = "x=lo"; value = "0"; }, { face = "x=lo"; value = "1"; } ); })'
case_ soft_not_group 'expected a condition { face' "$S"' "x=lo" ); })'
case_ soft_empty 'problem.constraints[0].soft: 0 entries; allowed: 1 .. 32' "$S"' ); })'
case_ soft_value_number 'soft[0].value: expected a string, got the integer 0' "$S"' { face = "x=lo"; value = 0; } ); })'
# the top-level keys of soft constraints, data and trainable coefficients
EXTRA='constraints = "weak";
' case_ constraints_kind 'constraints: "weak" is not one of hard, soft'
EXTRA='boundary = { points = 0; };
' case_ boundary_points 'boundary_points.cfg:1: boundary.points: 0 is out of range; allowed: an integer in 1 .. 1000000'
EXTRA='boundary = { weight = -1.0; };
' case_ boundary_weight 'boundary.weight: -1.0 is out of range'
EXTRA='data = { noise = 0.1; };
' case_ data_noise 'data.noise: noise without data.reference'
EXTRA='data = { outputs = ["u"]; };
' case_ data_outputs_alone 'data.outputs: outputs without data.reference'
EXTRA='data = { reference = 10; outputs = ["w"]; };
' case_ data_outputs 'data.outputs: "w" is not an output; allowed: distinct outputs of burgers_t (u)'
EXTRA='data = { reference = 10; outputs = [1]; };
' case_ data_outputs_type 'data.outputs: expected output names'
EXTRA='data = { reference = 30000; };
' case_ data_too_many 'data.reference: 30000 observations but the reference (holdout) set of burgers_t has 25600 points'
EXTRA='data = { file = "nope.csv"; };
' case_ data_file_missing 'data_file_missing.cfg:1: data.file: cannot read "nope.csv": No such file or directory'
printf 'x,t,u\n0.1,0.2,0.3\n' > good.csv
EXTRA='data = { file = "good.csv"; reference = 10; };
' case_ data_two_sources 'data.file: both data.file and data.reference (10) are set'
EXTRA='data = { file = "good.csv"; file_hash = "0000000000000000"; };
' case_ data_file_hash 'data.file_hash: "0000000000000000" but the file good.csv has XXH64'
csv_case() { # NAME PATTERN CONTENT
  printf "$3" > "$1.csv"
  EXTRA="data = { file = \"$1.csv\"; };
" case_ "$1" "$2"
}
csv_case csv_header 'csv_header.csv:1: header column 3 "w" is neither an input nor an output of burgers_t; allowed: every input (x, t) and some outputs (u), each once' 'x,t,w\n0.1,0.2,0.3\n'
csv_case csv_no_input 'csv_no_input.csv:2: the header lacks the input t' '# observations\nx,u\n0.1,0.3\n'
csv_case csv_no_output 'csv_no_output.csv:1: the header names no output' 'x,t\n0.1,0.2\n'
csv_case csv_twice 'header column "x" appears twice' 'x,x,u\n0.1,0.2,0.3\n'
csv_case csv_fields 'csv_fields.csv:3: 2 fields; allowed: 3 (one per header column)' 'x,t,u\n0.1,0.2,0.3\n0.1,0.2\n'
csv_case csv_number 'csv_number.csv:2: field 2 "abc" is not a finite number' 'x,t,u\n0.1,abc,0.3\n'
csv_case csv_outside 'csv_outside.csv:2: x = 2 is outside the domain; allowed: -1 .. 1' 't,x,u\n0.5,2,0.3\n'
csv_case csv_no_rows 'csv_no_rows.csv: a header but no observations' 'x,t,u\n'
printf 'x,t,u\n0.1,0.2,\0000.3\n' > csv_nul.csv
EXTRA='data = { file = "csv_nul.csv"; };
' case_ csv_nul 'csv_nul.csv: it holds a NUL byte but no HDF5 signature, so it is neither CSV text nor an HDF5 file'
# HDF5 observation files (README "Soft constraints, data and inverse problems"): datasets X
# (n, 2) and Y (n, nobs) of float64, Y's string attribute outputs; written with h5py, each with
# one fault. A file with the HDF5 signature is HDF5 whatever its name; a name ending in .h5
# without the signature is a damaged HDF5 file.
/usr/bin/python3 - <<'PY' || { echo "FAIL: cannot write the HDF5 cases (python3 with numpy and h5py)"; fail=1; }
import h5py, numpy as np
X = np.array([[0.1, 0.2], [-0.5, 0.9], [0.3, 0.4], [0.7, 0.1], [-0.9, 0.6]])
Y = np.array([[0.3], [0.1], [-0.2], [0.4], [0.5]])
def write(name, X=X, Y=Y, outputs="u", inputs=None, skip=()):
    with h5py.File(name, "w") as f:
        if "X" not in skip:
            f["X"] = X
            if inputs is not None:
                f["X"].attrs["inputs"] = inputs
        if "Y" not in skip:
            f["Y"] = Y
            if outputs is not None:
                f["Y"].attrs["outputs"] = outputs
write("h5_no_x_obs.h5", skip=("X",))
write("h5_no_y_obs.h5", skip=("Y",))
write("h5_x_rank_obs.h5", X=X[:, 0])
write("h5_x_cols_obs.h5", X=np.column_stack([X, X[:, :1]]))
write("h5_x_int_obs.h5", X=np.zeros((5, 2), dtype=np.int64))
write("h5_y_float32_obs.h5", Y=Y.astype(np.float32))
write("h5_y_rows_obs.h5", Y=Y[:4])
write("h5_y_cols_obs.h5", Y=np.column_stack([Y, Y]))
write("h5_no_outputs_obs.h5", outputs=None)
write("h5_unknown_output_obs.h5", outputs="w")
write("h5_repeated_output_obs.h5", outputs="u,u", Y=np.column_stack([Y, Y]))
write("h5_empty_output_obs.h5", outputs="")
write("h5_inputs_obs.h5", inputs="t,x")
Xn = X.copy(); Xn[3, 1] = np.nan
write("h5_x_nan_obs.h5", X=Xn)
Yi = Y.copy(); Yi[2, 0] = np.inf
write("h5_y_inf_obs.h5", Y=Yi)
Xo = X.copy(); Xo[1, 0] = 2.0
write("h5_outside_obs.h5", X=Xo)
write("h5_no_rows_obs.h5", X=np.zeros((0, 2)), Y=np.zeros((0, 1)))
with h5py.File("h5_x_group_obs.h5", "w") as f:
    f.create_group("X")
    f["Y"] = Y
    f["Y"].attrs["outputs"] = "u"
with h5py.File("h5_outputs_int_obs.h5", "w") as f:
    f["X"] = X
    f["Y"] = Y
    f["Y"].attrs["outputs"] = 7
write("h5_signature.obs", skip=("Y",))
write("h5_full_obs.h5")
b = open("h5_full_obs.h5", "rb").read()
open("h5_truncated_obs.h5", "wb").write(b[: len(b) // 2])
open("h5_not_hdf5_obs.h5", "w").write("x,t,u\n0.1,0.2,0.3\n")
PY
h5_case() { # NAME PATTERN [FILE]
  local file="${3:-${1}_obs.h5}"
  EXTRA="data = { file = \"$file\"; };
" case_ "$1" "$2"
}
X_ALLOWED='allowed: a dataset X of float64, shape (n, 2), its columns the inputs of burgers_t (x, t) in order'
h5_case h5_no_x "h5_no_x.cfg:1: data.file: h5_no_x_obs.h5: dataset X: missing; $X_ALLOWED"
h5_case h5_no_y 'h5_no_y_obs.h5: dataset Y: missing; allowed: a dataset Y of float64, shape (n, nobs), with a string attribute outputs naming its columns: outputs of burgers_t (u), each once, comma-separated'
h5_case h5_x_group "h5_x_group_obs.h5: dataset X: X is not a dataset (a group?); $X_ALLOWED"
h5_case h5_x_rank 'h5_x_rank_obs.h5: dataset X: rank 1, shape (5,); allowed: rank 2, shape (n, 2), one column per input of burgers_t (x, t), in order'
h5_case h5_x_cols 'h5_x_cols_obs.h5: dataset X: shape (5, 3); allowed: shape (n, 2), one column per input of burgers_t (x, t), in order'
h5_case h5_x_int 'h5_x_int_obs.h5: dataset X: its values are 8-byte integers; allowed: float64 (8-byte IEEE floats)'
h5_case h5_y_float32 'h5_y_float32_obs.h5: dataset Y: its values are 4-byte floats (float32); allowed: float64 (8-byte IEEE floats)'
h5_case h5_y_rows 'h5_y_rows_obs.h5: dataset Y: shape (4, 1); allowed: (5, 1), one row per row of X and one column per output its attribute outputs names'
h5_case h5_y_cols 'h5_y_cols_obs.h5: dataset Y: shape (5, 2); allowed: (5, 1)'
h5_case h5_no_outputs 'h5_no_outputs_obs.h5: dataset Y: no attribute outputs; allowed: a string attribute outputs naming Y'"'"'s columns, outputs of burgers_t (u), each once, comma-separated ("u")'
h5_case h5_outputs_int 'h5_outputs_int_obs.h5: dataset Y: attribute outputs holds 8-byte integers; allowed: outputs of burgers_t (u)'
h5_case h5_unknown_output 'h5_unknown_output_obs.h5: dataset Y: attribute outputs: "w" is not an output of burgers_t; allowed: outputs of burgers_t (u), each once, comma-separated ("u")'
h5_case h5_repeated_output 'h5_repeated_output_obs.h5: dataset Y: attribute outputs: "u" appears twice; allowed: outputs of burgers_t (u)'
h5_case h5_empty_output 'h5_empty_output_obs.h5: dataset Y: attribute outputs: name 1 is empty'
h5_case h5_inputs 'h5_inputs_obs.h5: dataset X: attribute inputs is "t,x"; allowed: the inputs of burgers_t in order, comma-separated, "x,t" (or no attribute inputs)'
h5_case h5_x_nan 'h5_x_nan_obs.h5: dataset X: row 3 (from 0): t = nan is not a finite number'
h5_case h5_y_inf 'h5_y_inf_obs.h5: dataset Y: row 2 (from 0): u = inf is not a finite number'
h5_case h5_outside 'h5_outside_obs.h5: dataset X: row 1 (from 0): x = 2 is outside the domain; allowed: -1 .. 1'
h5_case h5_no_rows 'h5_no_rows_obs.h5: dataset X: shape (0, 2): no observations; allowed: at least one row'
h5_case h5_truncated 'h5_truncated_obs.h5: not an HDF5 file (or a damaged one): HDF5: '
h5_case h5_not_hdf5 'h5_not_hdf5_obs.h5: not an HDF5 file (or a damaged one): HDF5: '
h5_case h5_signature 'h5_signature.obs: dataset Y: missing' h5_signature.obs
EXTRA='data = { file = "h5_full_obs.h5"; file_hash = "0000000000000000"; };
' case_ h5_file_hash 'data.file_hash: "0000000000000000" but the file h5_full_obs.h5 has XXH64'
EXTRA='trainable = { mu = 1.0; };
' case_ trainable_unknown 'trainable_unknown.cfg:1: trainable.mu: burgers_t has no coefficient mu; allowed: nu'
EXTRA='trainable = { nu = "5*"; };
' case_ trainable_formula 'trainable.nu: column 3 of "5*"'
EXTRA='trainable = 0.05;
' case_ trainable_group 'trainable: expected a group { nu = "5*0.01/pi"; }'
EXTRA='trainable = { a = 2.0; };
' case_ trainable_transform 'trainable.a: a enters a constraint (A, B or a soft condition'"'"'s value) of burgers_t' 'coefficients={ nu = "0.01/pi"; a = 1.0; }' 'constraints=({ A = "-a*sin(pi*x)"; B = "(1 - x^2)*t"; })'
EXTRA='trainable = { nu = "1/0"; };
' case_ trainable_inf 'trainable.nu: the initial guess inf is not finite'
# a built-in problem's coefficients cannot be trained
n=$((n + 1))
printf 'pde = "burgers";\ntrainable = { nu = 0.05; };\n' > builtin_trainable.cfg
"$exe" run builtin_trainable.cfg -o builtin_trainable.h5 > out 2> err
rc=$?
if [ "$rc" != 2 ] || ! grep -qF 'builtin_trainable.cfg:2: trainable.nu: burgers is a built-in problem: trainable coefficients need the problem written in the configuration (configs/problems/burgers.cfg)' err || [ -e builtin_trainable.h5 ]; then
  echo "FAIL builtin_trainable: exit $rc"; cat err; fail=1
fi
# --set trainable.<name>=value reaches the same checks
for kv in 'trainable.mu=1|--set trainable.mu=1: trainable.mu: burgers_t has no coefficient mu' \
          'trainable.nu=x|--set trainable.nu=x: trainable.nu: not a libconfig value'; do
  n=$((n + 1))
  arg="${kv%%|*}" pat="${kv#*|}"
  "$exe" run trainable_unknown.cfg -o set_case.h5 --set "$arg" > out 2> err
  rc=$?
  if [ "$rc" != 2 ] || ! grep -qF -- "$pat" err || [ -e set_case.h5 ]; then
    echo "FAIL --set $arg: exit $rc"; cat err; fail=1
  fi
done
echo "$n bad problem configurations checked"
exit $fail
