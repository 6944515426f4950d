#!/usr/bin/env bash
# Bad problem groups and bad formulas: each is exit 2 with the file, line, key and (for a formula)
# the column named, and no results file written; in the sanitizer build also no sanitizer report
# (leaks on the error paths). Usage: test_problem_errors.sh PINNFLUENCE
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
case_ constraint_count 'one { A = "..."; B = "..."; } per output' 'constraints=({ A = "0"; B = "t"; }, { A = "0"; B = "t"; })'
case_ constraint_keys 'constraints[0].B: missing' 'constraints=({ A = "-sin(pi*x)"; })'
case_ not_a_group 'problem.residuals: expected a list' 'residuals={ r = "u_t"; }'
EXTRA='pde = "burgers";
' case_ both_pde 'both pde and problem are set' 
EXTRA='seed = 1;
' case_ line_numbers 'line_numbers.cfg:9: problem.constraints[0].B' 'constraints=({ A = "-sin(pi*x)"; B = "t*x"; })'
echo "$n bad problem configurations checked"
exit $fail
