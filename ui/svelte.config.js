// Svelte compiler settings for the UI: runes everywhere (no legacy reactivity).
export default { compilerOptions: { runes: true } };
