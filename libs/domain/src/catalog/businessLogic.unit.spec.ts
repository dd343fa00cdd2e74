import { deciderSpecification } from '@test/support/deciderSpecification';
import { catalogDecider } from './businessLogic';
import type { CatalogItemDefinition } from './catalogItem';

const given = deciderSpecification(catalogDecider).given;
const sword: CatalogItemDefinition = { sku: 'sword', name: 'Sword', prices: { GOLD: 100 }, stackable: false };

describe('catalog', () => {
  it('defines a new item', () =>
    given([])
      .when({ type: 'DefineCatalogItem', data: sword })
      .then([{ type: 'CatalogItemDefined', data: sword }]));

  it('updates an existing item when something changed', () =>
    given([{ type: 'CatalogItemDefined', data: sword }])
      .when({ type: 'DefineCatalogItem', data: { ...sword, prices: { GOLD: 120 } } })
      .then([{ type: 'CatalogItemUpdated', data: { ...sword, prices: { GOLD: 120 } } }]));

  it('records nothing when the same definition is sent again, whatever the key order', () =>
    given([{ type: 'CatalogItemDefined', data: { ...sword, prices: { GEMS: 2, GOLD: 100 } } }])
      .when({ type: 'DefineCatalogItem', data: { ...sword, prices: { GOLD: 100, GEMS: 2 } } })
      .thenNothingHappens());

  it.each([
    [{ prices: {} }, 'prices'],
    [{ prices: { GOLD: 0 } }, 'prices.GOLD'],
    [{ prices: { GOLD: 1.5 } }, 'prices.GOLD'],
    [{ prices: { gold: 1 } }, 'prices.gold'],
    [{ name: '' }, 'name'],
    [{ sku: 'a.b' }, 'sku'],
    [{ maxStack: 5 }, 'maxStack'],
    [{ stackable: true, maxStack: 0 }, 'maxStack'],
  ])('rejects %p naming %s', (change, field) =>
    given([])
      .when({ type: 'DefineCatalogItem', data: { ...sword, ...change } as CatalogItemDefinition })
      .thenRejects('invalid-input', field),
  );
});
