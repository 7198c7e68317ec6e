-- The financial data of every FBS posting line: price, discount, Ozon's commission, payout.
{{ child_rows('ozon', 'postings_fbs', 'postings_fbs__financial_data__products',
    {'account': ['account', 'varchar'], 'posting_number': ['posting_number', 'varchar']},
    {'product_id': ['sku', 'bigint'], 'price': ['price', 'double precision'],
     'old_price': ['old_price', 'double precision'], 'payout': ['payout', 'double precision'],
     'total_discount_value': ['total_discount_rub', 'double precision'],
     'total_discount_percent': ['total_discount_percent', 'double precision'],
     'commission__amount': ['commission_amount', 'double precision'],
     'commission__percent': ['commission_percent', 'double precision'],
     'commission__currency': ['commission_currency', 'varchar']}) }}
