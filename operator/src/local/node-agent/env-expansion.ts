// Kubernetes' `$(VAR)` expansion in command, args and env values, as the
// kubelet does it (k8s.io/kubernetes third_party/forked/golang/expansion):
// `$$` becomes `$`, `$(NAME)` becomes the value when NAME is defined and stays
// as written when it is not, any other `$` is kept.

export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close === -1) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const value = lookup(name);
      out += value ?? `$(${name})`;
      i = close;
    } else {
      out += '$';
    }
  }
  return out;
}
