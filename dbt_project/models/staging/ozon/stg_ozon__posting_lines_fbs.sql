-- FBS and rFBS order lines (/v4/posting/fbs/list): posting × product; the seller's warehouse from
-- delivery_method; v4 has no created_at, in_process_at stamps the order.
{{ ozon_posting_lines('postings_fbs', 'delivery_method__warehouse_id', 'delivery_method__warehouse', 'in_process_at') }}
