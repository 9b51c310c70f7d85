// CSS imports are Vite's business; TypeScript only needs to know they exist.
declare module '*.css';
declare module '@digdir/designsystemet-css';
declare module '@digdir/designsystemet-theme/altinn.css';
