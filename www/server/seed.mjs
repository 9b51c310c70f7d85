// What the portal knows about the emulator's seed world (core/src/seed.rs) that Broker's API does not list: the
// resources to offer on the Services page (Broker has no "resources I may send on" endpoint; the page asks the
// service per resource with a sender search, so access is the PDP's verdict, not this list's) and display names.
export const SEED_RESOURCES = [
  'altinn-broker-test-resource-1',
  'ttd-brokertestressurs',
  'ttd-broker-tilgangsliste',
  'altinn-broker-test-resource-failed-access',
];

const NAMES = {
  991825827: 'Digitaliseringsdirektoratet Avd Oslo',
  986252932: 'Test recipient 986252932',
  312195771: 'Test recipient 312195771',
  311764837: 'Access list member 311764837',
};

export function orgName(org) {
  return NAMES[org] ?? `Organisation ${org}`;
}
