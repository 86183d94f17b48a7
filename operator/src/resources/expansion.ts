// Kubernetes expands `$(NAME)` in a container's command and args from the
// container's env, and reduces `$$` to `$`. The operator wants that for its own
// references to guest env values and never for what the user wrote, so user
// text goes through literalArg.

/** `text` escaped so the container receives it exactly as written. */
export function literalArg(text: string): string {
  return text.split('$').join('$$');
}

/** A reference that Kubernetes replaces with the value of the container env var `name`. */
export function envReference(name: string): string {
  return `$(${name})`;
}
