/** A list page's query it cannot use (routes/pages/query_problems.ts): said instead of an unfiltered list. */
export function QueryProblems(props: { problems: readonly string[]; clearHref: string }) {
  return (
    <section
      class="card tone-bad-box"
      role="alert"
      aria-labelledby="query-problems-title"
      data-query-problems
    >
      <h2 id="query-problems-title">This filter cannot be used</h2>
      <ul>
        {props.problems.map((p) => <li key={p}>{p}</li>)}
      </ul>
      <p>
        Nothing is listed rather than a list that looks filtered and is not. Correct the filter, or{" "}
        <a href={props.clearHref}>show the list without a filter</a>.
      </p>
    </section>
  );
}
