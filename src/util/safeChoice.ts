/**
 * Confirmations whose default is the safe choice. VS Code makes the first item of a modal
 * message that is not a close affordance its primary button, on every platform: the custom
 * dialog (the web, code-server) focuses it, the native one makes it `defaultId`, so Enter does
 * it. The close affordance (VS Code's own "Cancel" when no item is one) answers Escape and the
 * close box. A risky choice therefore never goes first, and never is the close affordance.
 */
export interface Choice {
  readonly title: string;
  /** Loses data, stops traffic or weakens security: never what Enter does. */
  readonly risky: boolean;
}

/** The buttons in the order to pass to `showWarningMessage`: a safe choice first, the others in their order. */
export function safeFirst<C extends Choice>(choices: readonly C[]): (C & { readonly isCloseAffordance: false })[] {
  const first = choices.findIndex((c) => !c.risky);
  if (first < 0) {
    throw new Error(`a confirmation needs a safe choice for Enter: ${choices.map((c) => c.title).join(', ')}`);
  }
  const ordered = [choices[first]!, ...choices.filter((_, i) => i !== first)];
  return ordered.map((c) => ({ ...c, isCloseAffordance: false as const }));
}

/** Typing the name of what is destroyed (the project) confirms it: exactly, case and all, apart from surrounding blanks. */
export function confirmsName(typed: string, expected: string): boolean {
  return typed.trim() === expected;
}
