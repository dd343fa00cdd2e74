import { useState } from 'react';
import { command, segment } from '../api';
import type { PageProps } from '../App';
import { ActionForm, Field, NeedsScope, ProblemMessage, Section, text, useList } from '../components';

type Item = {
  sku: string;
  name: string;
  prices: Record<string, number>;
  stackable: boolean;
  maxStack?: number;
};

/** `GOLD=10, GEMS=2` as the API's price map; a malformed amount goes to the API as is, which names it. */
const parsePrices = (value: string): Record<string, number> =>
  Object.fromEntries(
    value
      .split(',')
      .map((pair) => pair.trim())
      .filter(Boolean)
      .map((pair) => {
        const [currency, amount = ''] = pair.split('=');
        return [currency.trim(), Number(amount.trim())];
      }),
  );
const formatPrices = (prices: Record<string, number>) =>
  Object.entries(prices)
    .map(([currency, amount]) => `${currency}=${amount}`)
    .join(', ');

/** List the catalog, and define or edit an item and its prices. */
export function CatalogPage({ can }: PageProps) {
  const { items, error, load } = useList<Item>('/v1/catalog/items', 'items');
  const [editing, setEditing] = useState<Item>();

  return (
    <>
      <Section title="Items">
        <ProblemMessage error={error} />
        {items.length > 0 ? (
          <table aria-label="Catalog">
            <thead>
              <tr>
                <th scope="col">Sku</th>
                <th scope="col">Name</th>
                <th scope="col">Prices</th>
                <th scope="col">Stack</th>
                {can('admin') ? (
                  <th scope="col">
                    <span className="visually-hidden">Edit</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.sku}>
                  <td>{item.sku}</td>
                  <td>{item.name}</td>
                  <td>{formatPrices(item.prices)}</td>
                  <td>{item.stackable ? `up to ${item.maxStack ?? 'any'}` : 'one'}</td>
                  {can('admin') ? (
                    <td>
                      <button type="button" onClick={() => setEditing(item)}>
                        Edit {item.sku}
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">The catalog is empty.</p>
        )}
      </Section>
      {can('admin') ? (
        <ActionForm
          key={editing?.sku ?? 'new'}
          label={editing ? `Save ${editing.sku}` : 'Define an item'}
          submit={async (form) => {
            const sku = text(form, 'sku');
            const stackable = form.get('stackable') === 'on';
            const maxStack = text(form, 'maxStack');
            const result = await command('PUT', `/v1/catalog/items/${segment(sku)}`, {
              name: String(form.get('name') ?? ''),
              prices: parsePrices(String(form.get('prices') ?? '')),
              stackable,
              ...(stackable && maxStack !== '' ? { maxStack: Number(maxStack) } : {}),
            });
            await load(result.position);
            return result.replayed
              ? `${sku}: nothing changed.`
              : `${sku} saved at position ${result.position}.`;
          }}
        >
          <Field label="Sku" name="sku" defaultValue={editing?.sku} />
          <Field label="Name" name="name" defaultValue={editing?.name} />
          <Field
            label="Prices (CURRENCY=amount, ...)"
            name="prices"
            defaultValue={editing ? formatPrices(editing.prices) : ''}
            placeholder="GOLD=100, GEMS=2"
          />
          <label className="check">
            <input name="stackable" type="checkbox" defaultChecked={editing?.stackable ?? true} />
            <span>Stackable</span>
          </label>
          <Field
            label="Most a player may hold (optional)"
            name="maxStack"
            type="number"
            required={false}
            defaultValue={editing?.maxStack?.toString()}
          />
        </ActionForm>
      ) : (
        <NeedsScope scope="admin" what="Editing the catalog" />
      )}
    </>
  );
}
