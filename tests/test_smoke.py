def test_start_page_lists_published_events(client, make_event):
    make_event(title="Civic Hack")
    make_event(title="Secret Draft", is_published=False)
    page = client.get("/").get_data(as_text=True)
    assert "Civic Hack" in page
    assert "Secret Draft" not in page
